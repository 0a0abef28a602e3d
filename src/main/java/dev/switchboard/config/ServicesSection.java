package dev.switchboard.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static dev.switchboard.config.ConfigChecks.MB;
import static dev.switchboard.config.ConfigChecks.choice;
import static dev.switchboard.config.ConfigChecks.limits;
import static dev.switchboard.config.ConfigChecks.positive;
import static dev.switchboard.config.ConfigChecks.printable;

/** The sections of the services: {@code routing}, {@code health}, {@code ratelimit}, {@code usage}, {@code cache}. */
final class ServicesSection {
  private ServicesSection() {
  }

  static UsageConfig usage(ConfigNode n) {
    UsageConfig d = UsageConfig.DEFAULT;
    String zone = n.string("time_zone", d.timeZone().getId()).trim();
    java.time.ZoneId zoneId = d.timeZone();
    try {
      zoneId = java.time.ZoneId.of(zone);
    } catch (java.time.DateTimeException e) {
      n.problem("time_zone", "is not a time zone such as UTC or Europe/Berlin, got \"" + zone + "\"");
    }
    String currency = n.string("currency", d.currency()).trim().toUpperCase(java.util.Locale.ROOT);
    try {
      java.util.Currency.getInstance(currency);
    } catch (IllegalArgumentException e) {
      n.problem("currency", "is not an ISO 4217 currency code such as USD or EUR, got \"" + currency + "\"");
    }
    UsageConfig u = new UsageConfig(n.string("data_dir", d.dataDir()).trim(), n.bool("persist", d.persist()), zoneId,
        Duration.ofDays(n.integer("retention_days", d.retention().toDays(), 1, 36_500)),
        n.duration("flush_interval", d.flushInterval()),
        n.decimal("alert_threshold", d.alertThreshold(), 0.01, 1), currency,
        n.string("store", d.store()).trim().toLowerCase(Locale.ROOT), postgresStore(n.object("postgres")),
        n.duration("reservation_ttl", d.reservationTtl()));
    if (!List.of(UsageConfig.SQLITE, UsageConfig.POSTGRES).contains(u.store())) {
      n.problem("store", "must be sqlite or postgres, got \"" + u.store() + "\"");
    }
    positive(n, "flush_interval", u.flushInterval());
    positive(n, "reservation_ttl", u.reservationTtl());
    n.rejectUnknown();
    return u;
  }

  static PostgresStoreConfig postgresStore(ConfigNode n) {
    PostgresStoreConfig d = PostgresStoreConfig.DEFAULT;
    String url = n.string("url", d.url()).trim();
    if (!url.matches("postgres(ql)?://[^/\\s]+(/[^\\s]*)?")) {
      n.problem("url", "must be a postgres:// URL such as postgres://db:5432/switchboard");
    }
    PostgresStoreConfig p = new PostgresStoreConfig(url, n.string("user", d.user()).trim(),
        Secret.of(n.string("password", "")), (int) n.integer("pool_size", d.poolSize(), 1, 100),
        (int) n.integer("max_queued_rows", d.maxQueuedRows(), 100, 1_000_000), n.string("spill_dir", d.spillDir()).trim(),
        n.duration("key_refresh", d.keyRefresh()), n.duration("connect_timeout", d.connectTimeout()));
    positive(n, "key_refresh", p.keyRefresh());
    positive(n, "connect_timeout", p.connectTimeout());
    n.rejectUnknown();
    return p;
  }

  static RateLimitConfig ratelimit(ConfigNode n) {
    RateLimitConfig d = RateLimitConfig.DEFAULT;
    String backend = n.string("backend", d.backend()).trim().toLowerCase(Locale.ROOT);
    if (!List.of("memory", "redis").contains(backend)) {
      n.problem("backend", "must be memory or redis, got \"" + backend + "\"");
    }
    ConfigNode r = n.object("redis");
    String url = r.string("url", d.redisUrl()).trim();
    if (!url.matches("rediss?://.+")) {
      r.problem("url", "must be a redis:// or rediss:// URL");
    }
    String fail = r.string("on_failure", "open").trim().toLowerCase(Locale.ROOT);
    if (!List.of("open", "closed").contains(fail)) {
      r.problem("on_failure", "must be open (fall back to local buckets) or closed (refuse), got \"" + fail + "\"");
    }
    String prefix = r.string("key_prefix", d.keyPrefix());
    Duration timeout = r.duration("timeout", d.redisTimeout());
    positive(r, "timeout", timeout);
    Duration heartbeat = r.duration("heartbeat", d.redisHeartbeat());
    positive(r, "heartbeat", heartbeat);
    double leaseFraction = r.decimal("lease_fraction", d.leaseFraction(), 0, 0.5);
    Duration leaseTtl = r.duration("lease_ttl", d.leaseTtl());
    positive(r, "lease_ttl", leaseTtl);
    r.rejectUnknown();
    ConfigNode k = n.object("default_key_limits");
    Limits keyLimits = limits(k);
    k.rejectUnknown();
    ConfigNode q = n.object("queue");
    Duration maxWait = q.duration("max_wait", d.queueMaxWait());
    int maxLength = (int) q.integer("max_length", d.queueMaxLength(), 1, 1_000_000);
    q.rejectUnknown();
    int completion = (int) n.integer("default_completion_tokens", d.defaultCompletionTokens(), 0, 10_000_000);
    n.rejectUnknown();
    return new RateLimitConfig(backend, url, "open".equals(fail), prefix, timeout, keyLimits, maxWait, maxLength,
        completion, heartbeat, leaseFraction, leaseTtl);
  }

  static HealthConfig health(ConfigNode n) {
    HealthConfig d = HealthConfig.DEFAULT;
    HealthConfig h = new HealthConfig(n.bool("enabled", d.enabled()), n.duration("interval", d.interval()),
        n.duration("timeout", d.timeout()), n.decimal("jitter", d.jitter(), 0, 0.9),
        n.duration("down_interval", d.downInterval()), (int) n.integer("down_after", d.downAfter(), 1, 100),
        (int) n.integer("recover_after", d.recoverAfter(), 1, 100), n.duration("degraded_latency", d.degradedLatency()),
        n.decimal("degraded_error_rate", d.degradedErrorRate(), 0.01, 1),
        n.duration("stale_after", Duration.ZERO), n.string("ready_requires", d.readyRequires()).trim());
    positive(n, "interval", h.interval());
    positive(n, "timeout", h.timeout());
    positive(n, "down_interval", h.downInterval());
    positive(n, "degraded_latency", h.degradedLatency());
    if (!List.of("any", "every-model").contains(h.readyRequires())) {
      n.problem("ready_requires", "must be any or every-model, got \"" + h.readyRequires() + "\"");
    }
    n.rejectUnknown();
    if (h.staleAfter().isZero()) {
      // Default: a provider missing more than two probes in a row (plus the timeouts) is no longer known healthy.
      h = new HealthConfig(h.enabled(), h.interval(), h.timeout(), h.jitter(), h.downInterval(), h.downAfter(),
          h.recoverAfter(), h.degradedLatency(), h.degradedErrorRate(),
          h.interval().multipliedBy(3).plus(h.timeout().multipliedBy(2)), h.readyRequires());
    }
    return h;
  }

  static CacheConfig cache(ConfigNode n) {
    CacheConfig d = CacheConfig.DEFAULT;
    CacheConfig.Mode mode = choice(n, "mode", CacheConfig.Mode.values(), d.mode());
    CacheConfig.Backend backend = choice(n, "backend", CacheConfig.Backend.values(), d.backend());
    long maxBytes = n.size("max_size", d.maxBytes(), 1024, 64 * 1024 * MB);
    long maxEntry = n.size("max_entry_size", d.maxEntryBytes(), 1, 256 * MB);
    if (maxEntry > maxBytes) {
      n.problem("max_entry_size", "must not be larger than max_size (" + maxBytes + " bytes)");
    }
    Duration ttl = n.duration("ttl", d.ttl());
    positive(n, "ttl", ttl);
    Duration maxTtl = n.duration("max_ttl", d.maxTtl().compareTo(ttl) < 0 ? ttl : d.maxTtl());
    if (maxTtl.compareTo(ttl) < 0) {
      n.problem("max_ttl", "must not be shorter than ttl");
    }
    Duration coalesceWait = n.duration("coalesce_wait", d.coalesceWait());
    Duration replay = n.duration("replay_interval", d.replayInterval());
    if (replay.compareTo(Duration.ofSeconds(10)) > 0) {
      n.problem("replay_interval", "must be at most 10s, got " + replay.toMillis() + "ms");
    }
    CacheConfig c = new CacheConfig(mode, backend, maxBytes, maxEntry, ttl, maxTtl, n.bool("shared", d.shared()),
        n.bool("cache_truncated", d.cacheTruncated()), n.bool("coalesce", d.coalesce()), coalesceWait, replay,
        redis(n.object("redis")), new CacheConfig.Stale(n.bool("serve_stale_on_error", false),
            n.duration("max_stale", CacheConfig.Stale.OFF.maxStale())));
    positive(n, "max_stale", c.stale().maxStale());
    if (c.coalesce()) {
      positive(n, "coalesce_wait", coalesceWait);
    }
    n.rejectUnknown();
    return c;
  }

  static ResponsesConfig responses(ConfigNode n) {
    ResponsesConfig d = ResponsesConfig.DEFAULT;
    ResponsesConfig.Store store = choice(n, "store", ResponsesConfig.Store.values(), d.store());
    Duration ttl = n.duration("ttl", d.ttl());
    positive(n, "ttl", ttl);
    long maxEntries = n.integer("max_entries", d.maxEntries(), 1, 100_000_000);
    long maxBytes = n.size("max_size", d.maxBytes(), 1024, 64 * 1024 * MB);
    long maxEntry = n.size("max_entry_size", d.maxEntryBytes(), 1024, 256 * MB);
    if (maxEntry > maxBytes) {
      n.problem("max_entry_size", "must not be larger than max_size (" + maxBytes + " bytes)");
    }
    ConfigNode redisNode = n.object("redis");
    boolean ownPrefix = redisNode.has("key_prefix");
    CacheConfig.Redis redis = redis(redisNode);
    n.rejectUnknown();
    return new ResponsesConfig(store, ttl, maxEntries, maxBytes, maxEntry,
        ownPrefix ? redis : ResponsesConfig.withPrefix(redis, ResponsesConfig.REDIS_KEY_PREFIX));
  }

  /** The cache's Redis tier; read (and checked) whether or not {@code backend: redis} uses it. */
  static CacheConfig.Redis redis(ConfigNode n) {
    CacheConfig.Redis d = CacheConfig.REDIS_DEFAULT;
    String url = n.string("url", d.url()).trim();
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("redis") && !scheme.equals("rediss") || uri.getHost() == null) {
        n.problem("url", "must be a redis://host:port or rediss://host:port URL, got \"" + printable(uri) + "\"");
      }
    } catch (URISyntaxException e) {
      n.problem("url", "is not a valid URL: " + e.getReason());
    }
    String user = n.string("user", "").trim();
    Secret password = Secret.of(n.string("password", "").trim());
    String prefix = n.string("key_prefix", d.keyPrefix());
    Duration timeout = n.duration("timeout", d.timeout());
    positive(n, "timeout", timeout);
    Duration retry = n.duration("retry_interval", d.retryInterval());
    positive(n, "retry_interval", retry);
    int pool = (int) n.integer("max_connections", d.maxConnections(), 1, 1000);
    n.rejectUnknown();
    return new CacheConfig.Redis(url, user.isEmpty() ? null : user, password, prefix, timeout, retry, pool);
  }

  static RoutingConfig routing(ConfigNode n) {
    RoutingConfig d = RoutingConfig.DEFAULT;
    RoutingStrategy strategy = strategy(n, d.strategy());
    int maxAttempts = (int) n.integer("max_attempts", d.maxAttempts(), 1, 20);
    Duration requestTimeout = n.duration("request_timeout", d.requestTimeout());
    positive(n, "request_timeout", requestTimeout);
    Duration window = n.duration("stats_window", d.statsWindow());
    if (window.toSeconds() < 10 || window.toSeconds() > 3600) {
      n.problem("stats_window", "must be between 10s and 1h, got " + window.toSeconds() + "s");
    }
    ScoreWeights weights = weights(n, "weights", ScoreWeights.DEFAULT);
    double explore = n.decimal("explore", d.explore(), 0, 0.5);
    Duration slowStart = n.duration("slow_start", d.slowStart());
    boolean contentPolicyFallback = n.bool("content_policy_fallback", d.contentPolicyFallback());

    ConfigNode r = n.object("retry");
    RetryConfig rd = RetryConfig.DEFAULT;
    RetryConfig retry = new RetryConfig((int) r.integer("per_provider", rd.perProvider(), 0, 10),
        r.duration("backoff_base", rd.backoffBase()), r.duration("backoff_max", rd.backoffMax()),
        r.duration("max_retry_after", rd.maxRetryAfter()), r.bool("same_provider_first", rd.sameProviderFirst()));
    positive(r, "backoff_base", retry.backoffBase());
    if (retry.backoffMax().compareTo(retry.backoffBase()) < 0) {
      r.problem("backoff_max", "must not be shorter than backoff_base");
    }
    r.rejectUnknown();

    ConfigNode c = n.object("circuit_breaker");
    CircuitConfig cd = CircuitConfig.DEFAULT;
    CircuitConfig circuit = new CircuitConfig((int) c.integer("failure_threshold", cd.failureThreshold(), 1, 1000),
        c.decimal("error_rate", cd.errorRate(), 0.01, 1), (int) c.integer("min_requests", cd.minRequests(), 1, 100_000),
        c.duration("open_for", cd.openFor()), c.duration("max_open_for", cd.maxOpenFor()),
        (int) c.integer("half_open_requests", cd.halfOpenRequests(), 1, 100));
    positive(c, "open_for", circuit.openFor());
    if (circuit.maxOpenFor().compareTo(circuit.openFor()) < 0) {
      c.problem("max_open_for", "must not be shorter than open_for");
    }
    c.rejectUnknown();
    FirstTokenConfig firstToken = FirstTokenConfig.parse(n.object("first_token"));
    HedgeConfig hedge = HedgeConfig.parse(n.object("hedge"));
    ResumeConfig resume = ResumeConfig.parse(n.object("resume"));
    n.rejectUnknown();
    return new RoutingConfig(strategy, maxAttempts, requestTimeout, window, weights, explore, slowStart, retry,
        circuit, contentPolicyFallback, firstToken, hedge, resume);
  }

  static RoutingStrategy strategy(ConfigNode n, RoutingStrategy def) {
    if (!n.has("strategy")) {
      return def;
    }
    String text = n.string("strategy", "");
    return RoutingStrategy.parse(text).orElseGet(() -> {
      n.problem("strategy", "unknown strategy \"" + text + "\" (supported: " + RoutingStrategy.labels() + ")");
      return def;
    });
  }

  static ScoreWeights weights(ConfigNode parent, String key, ScoreWeights def) {
    ConfigNode w = parent.object(key);
    ScoreWeights out = new ScoreWeights(w.decimal("latency", def.latency(), 0, 100),
        w.decimal("errors", def.errors(), 0, 100), w.decimal("quality", def.quality(), 0, 100),
        w.decimal("cost", def.cost(), 0, 100), w.decimal("load", def.load(), 0, 100),
        w.decimal("headroom", def.headroom(), 0, 100));
    if (out.sum() <= 0) {
      parent.problem(key, "at least one weight must be above 0");
    }
    w.rejectUnknown();
    return out;
  }
}
