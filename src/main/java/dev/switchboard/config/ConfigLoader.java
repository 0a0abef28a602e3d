package dev.switchboard.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the YAML config, interpolates environment variables and validates everything once. */
public final class ConfigLoader {
  private static final Logger LOG = Logger.getLogger(ConfigLoader.class.getName());
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
  private static final long MB = 1024L * 1024;
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern API_VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private ConfigLoader() {
  }

  /** Loads a YAML file through vertx-config. Fails with a {@link ConfigException} naming every bad field. */
  public static Future<SwitchboardConfig> load(Vertx vertx, String path, Map<String, String> env) {
    if (!Files.isRegularFile(Path.of(path))) {
      return Future.failedFuture(new ConfigException("config file " + path + " does not exist or is not a file"));
    }
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(-1).setIncludeDefaultStores(false).addStore(store));
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(path + ": not valid YAML: "
            + named(rootMessage(err), path))))
        .andThen(ar -> retriever.close())
        .map(raw -> parse(raw, env));
  }

  /** Parses YAML text; for tests and tools that hold the config in memory. */
  public static SwitchboardConfig fromYaml(String yaml, Map<String, String> env) {
    return fromYaml(yaml, env, null);
  }

  /**
   * Parses YAML text that came from {@code source} (a file or resource name, null when it has none), which syntax
   * errors then name.
   */
  public static SwitchboardConfig fromYaml(String yaml, Map<String, String> env, String source) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (RuntimeException e) {
      throw new ConfigException((source == null ? "" : source + ": ") + "not valid YAML: "
          + (source == null ? e.getMessage() : named(e.getMessage(), source)));
    }
    if (doc == null) {
      doc = Map.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new ConfigException("the config must be a YAML mapping at the top level");
    }
    return parse((JsonObject) textKeys(map), env);
  }

  /**
   * YAML reads keys such as {@code 1:} or {@code 3.5:} as numbers; JSON keys are text. Converts every mapping key
   * to its text, as vertx-config's YAML store (the launcher's path) does, instead of failing later with a
   * ClassCastException.
   */
  private static Object textKeys(Object value) {
    if (value instanceof Map<?, ?> m) {
      JsonObject out = new JsonObject();
      m.forEach((k, v) -> out.put(String.valueOf(k), textKeys(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
      l.forEach(v -> out.add(textKeys(v)));
      return out;
    }
    // An unquoted 2023-06-01 is a YAML date: read it as vertx-config's YAML store does, as an instant.
    return value instanceof java.util.Date d ? d.toInstant() : value;
  }

  public static SwitchboardConfig parse(JsonObject raw, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Interpolator interpolator = new Interpolator(env);
    ConfigNode root = new ConfigNode("", raw, problems, interpolator);

    ServerConfig server = server(root.object("server"));
    AuthConfig auth = auth(root.object("auth"));
    server = openOnLoopbackOnly(server, auth);
    LoggingConfig logging = logging(root.object("logging"));
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    root.namedObjects("providers").forEach((id, node) -> {
      if (!ID.matcher(id).matches()) {
        problems.add(node.path() + ": provider id must be lower-case letters, digits, '-', '_' or '.'");
      }
      providers.put(id, provider(id, node));
    });
    if (providers.isEmpty()) {
      problems.add("providers: at least one provider is required (the built-in one is `type: local`)");
    }
    Map<String, ModelConfig> models = new LinkedHashMap<>();
    root.namedObjects("models").forEach((name, node) -> models.put(name, model(name, node, providers)));
    RoutingConfig routing = routing(root.object("routing"));
    HealthConfig health = health(root.object("health"));
    RateLimitConfig ratelimit = ratelimit(root.object("ratelimit"));
    UsageConfig usage = usage(root.object("usage"));
    CacheConfig cache = cache(root.object("cache"));
    MetricsConfig metrics = metrics(root.object("metrics"), server);
    root.rejectUnknown();

    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new SwitchboardConfig(server, auth, logging, providers, models, routing, health, ratelimit, usage,
        cache, metrics);
  }

  private static MetricsConfig metrics(ConfigNode n, ServerConfig server) {
    MetricsConfig d = MetricsConfig.DEFAULT;
    MetricsConfig m = new MetricsConfig((int) n.integer("port", d.port(), 0, 65535),
        n.string("auth", d.auth()).trim().toLowerCase(Locale.ROOT));
    if (!List.of("auto", "admin_key", "none").contains(m.auth())) {
      n.problem("auth", "must be one of auto, admin_key, none, got \"" + m.auth() + "\"");
    }
    if (m.port() != 0 && m.port() == server.port()) {
      n.problem("port", "must differ from server.port (" + server.port() + "); 0 serves /metrics on the API port");
    }
    n.rejectUnknown();
    return m;
  }

  private static ServerConfig server(ConfigNode n) {
    ServerConfig s = new ServerConfig(
        n.string("host", "0.0.0.0"),
        (int) n.integer("port", 8080, 0, 65535),
        (int) n.integer("instances", 0, 0, 256),
        n.size("max_body_size", 10 * MB, 1024, 1024 * MB),
        n.size("max_response_size", 64 * MB, 1024, 4096 * MB),
        n.duration("drain_delay", Duration.ZERO),
        n.duration("shutdown_grace", Duration.ofSeconds(30)),
        n.string("transport", "auto").trim().toLowerCase(Locale.ROOT),
        n.stringList("cors_origins"),
        n.size("max_buffered_responses", defaultBufferedResponses(), 1024, 1024L * 1024 * MB),
        n.bool("allow_open", false));
    for (int i = 0; i < s.corsOrigins().size(); i++) {
      String origin = s.corsOrigins().get(i);
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        n.problem("cors_origins[" + i + "]", "must be \"*\" or an origin such as https://app.example.com (scheme and "
            + "host, no path), got \"" + origin + "\"");
      }
    }
    if (!List.of("auto", "epoll", "io_uring", "nio").contains(s.transport())) {
      n.problem("transport", "must be one of auto, epoll, io_uring, nio, got \"" + s.transport() + "\"");
    }
    n.rejectUnknown();
    return s;
  }

  /**
   * An open gateway (no client key) spends the operator's provider credits for anyone who reaches it, so unless
   * {@code server.allow_open} says that is intended it listens on loopback only, whatever host was configured.
   */
  static ServerConfig openOnLoopbackOnly(ServerConfig server, AuthConfig auth) {
    if (!auth.open() || server.allowOpen() || server.loopback()) {
      return server;
    }
    LOG.warning("no client key is configured, so the gateway is OPEN and listens on 127.0.0.1 only instead of "
        + server.host() + ". To serve other machines set a client key (auth.keys, e.g. SWITCHBOARD_API_KEY), or "
        + "accept an open gateway with server.allow_open: true (SWITCHBOARD_ALLOW_OPEN=true).");
    return server.withHost("127.0.0.1");
  }

  /**
   * An eighth of the JVM's heap limit: while a reply is checked and written the heap holds it three to four times
   * over (its buffer, the adapter's scan copy, transient copies on the way out; measured with bench/abuse/memory.sh),
   * and the rest of the gateway needs room too.
   */
  static long defaultBufferedResponses() {
    return Math.max(1024, Runtime.getRuntime().maxMemory() / 8);
  }

  private static AuthConfig auth(ConfigNode n) {
    List<ClientKeyConfig> keys = new ArrayList<>();
    List<Object> items = n.list("keys");
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      String name;
      String key;
      Limits limits = null;
      int priority = 0;
      int maxPriority = 0;
      List<String> allowed = List.of();
      Budget budget = Budget.NONE;
      String where = n.pathOf("keys") + "[" + i + "]";
      if (item instanceof String s) {
        name = "key-" + (i + 1);
        key = s;
      } else {
        ConfigNode k = n.element("keys", i, item);
        name = k.requiredString("name");
        key = k.string("key", "");
        if (k.has("limits")) {
          ConfigNode l = k.object("limits");
          limits = limits(l);
          l.rejectUnknown();
        }
        priority = (int) k.integer("priority", 0, -100, 100);
        maxPriority = (int) k.integer("max_priority", priority, -100, 100);
        allowed = k.stringList("models");
        budget = budget(k);
        k.rejectUnknown();
      }
      if (key.isBlank()) {
        LOG.warning(where + ": key is empty, skipped");
        continue;
      }
      if (key.length() < 8) {
        n.problem("keys[" + i + "]", "a client key must be at least 8 characters");
        continue;
      }
      keys.add(new ClientKeyConfig(name, Secret.of(key.trim()), limits, priority, maxPriority, allowed, budget));
    }
    Secret admin = Secret.of(n.string("admin_key", "").trim());
    n.rejectUnknown();
    return new AuthConfig(keys, admin);
  }

  private static LoggingConfig logging(ConfigNode n) {
    String level = n.string("level", "info").toLowerCase(Locale.ROOT);
    if (!List.of("debug", "info", "warn", "error").contains(level)) {
      n.problem("level", "must be one of debug, info, warn, error, got \"" + level + "\"");
    }
    LoggingConfig l = new LoggingConfig(n.bool("access_log", true), level);
    n.rejectUnknown();
    return l;
  }

  private static ProviderConfig provider(String id, ConfigNode n) {
    String typeText = n.string("type", "openai");
    ProviderType type = ProviderType.parse(typeText).orElse(null);
    if (type == null) {
      n.problem("type", "unknown provider type \"" + typeText + "\" (supported: " + ProviderType.names() + ")");
      type = ProviderType.OPENAI;
    }
    URI baseUrl = null;
    if (type != ProviderType.LOCAL) {
      String url = n.requiredString("base_url");
      baseUrl = url.isEmpty() ? null : baseUrl(n, url);
    } else if (n.has("base_url")) {
      n.problem("base_url", "the local provider has no base_url");
    }
    boolean keyConfigured = n.has("api_key");
    String rawKey = n.rawUninterpolated("api_key");
    Secret apiKey = Secret.of(n.string("api_key", "").trim());
    String enabledText = n.string("enabled", "auto").trim().toLowerCase(Locale.ROOT);
    boolean enabled;
    String reason = null;
    switch (enabledText) {
      case "true", "yes", "on" -> enabled = true;
      case "false", "no", "off" -> {
        enabled = false;
        reason = "disabled in config";
      }
      case "auto", "" -> {
        // A provider whose key is configured but resolved to nothing is switched off rather than sent
        // unauthenticated requests; a provider with no api_key field at all (Ollama, vLLM) needs none.
        enabled = !keyConfigured || apiKey.isPresent();
        if (!enabled) {
          reason = "api_key is empty" + envHint(rawKey);
        }
      }
      default -> {
        n.problem("enabled", "must be true, false or auto, got \"" + enabledText + "\"");
        enabled = false;
      }
    }
    List<ModelInfo> modelInfo = new ArrayList<>();
    List<String> models = models(n, modelInfo);
    for (int i = 0; i < models.size(); i++) {
      String m = models.get(i);
      if (m.isBlank() || (m.indexOf('*') >= 0 && m.indexOf('*') != m.length() - 1)) {
        n.problem("models[" + i + "]", "must be a model name, or a prefix ending in '*', got \"" + m + "\"");
      }
    }
    ConfigNode t = n.object("timeouts");
    Timeouts d = Timeouts.DEFAULT;
    Timeouts timeouts = new Timeouts(t.duration("connect", d.connect()), t.duration("first_byte", d.firstByte()),
        t.duration("idle", d.idle()), t.duration("total", d.total()));
    positive(t, "connect", timeouts.connect());
    positive(t, "first_byte", timeouts.firstByte());
    positive(t, "idle", timeouts.idle());
    positive(t, "total", timeouts.total());
    t.rejectUnknown();
    Map<String, String> headers = new LinkedHashMap<>();
    n.stringMap("headers").forEach((h, v) -> {
      String value = v.trim();
      if (!HEADER_NAME.matcher(h).matches()) {
        n.problem("headers." + h, "is not a valid HTTP header name");
      } else if (h.equalsIgnoreCase("authorization") || h.equalsIgnoreCase("host")
          || h.equalsIgnoreCase("content-length")) {
        n.problem("headers." + h, "is set by Switchboard and cannot be configured");
      } else if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
        // Never echo the value: header values are where provider keys live (Azure's api-key).
        n.problem("headers." + h, "must not contain control characters such as line breaks");
      } else {
        headers.put(h, value);
      }
    });
    boolean streamUsage = n.bool("stream_usage", true);
    int maxConnections = (int) n.integer("max_connections", 100, 1, 10_000);
    boolean fallback = n.bool("fallback", type == ProviderType.LOCAL);
    if (fallback && type != ProviderType.LOCAL) {
      n.problem("fallback", "only the local provider can be a fallback for every model");
    }
    double quality = n.decimal("quality", 0.5, 0, 1);
    double weight = n.decimal("weight", 1, 0, 1_000_000);
    ProbeConfig probe = probe(n.object("probe"), type);
    ApiOptions api = apiOptions(type, n, models);
    ConfigNode l = n.object("limits");
    Limits limits = limits(l);
    Map<String, Limits> modelLimits = new LinkedHashMap<>();
    l.namedObjects("models").forEach((model, m) -> {
      modelLimits.put(model, limits(m));
      m.rejectUnknown();
    });
    l.rejectUnknown();
    Budget budget = budget(n);
    n.rejectUnknown();
    return new ProviderConfig(id, type, baseUrl, apiKey, enabled, reason, models, timeouts, headers, streamUsage,
        maxConnections, fallback, quality, weight, probe, api, modelInfo, limits, modelLimits, budget);
  }

  /** An optional {@code budget: {daily, weekly, monthly}} under {@code n}. */
  private static Budget budget(ConfigNode n) {
    if (!n.has("budget")) {
      return Budget.NONE;
    }
    ConfigNode b = n.object("budget");
    Budget budget = new Budget(b.decimal("daily", 0, 0, 1e12), b.decimal("weekly", 0, 0, 1e12),
        b.decimal("monthly", 0, 0, 1e12));
    b.rejectUnknown();
    return budget;
  }

  private static UsageConfig usage(ConfigNode n) {
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
        n.decimal("alert_threshold", d.alertThreshold(), 0.01, 1), currency);
    positive(n, "flush_interval", u.flushInterval());
    n.rejectUnknown();
    return u;
  }

  /** rpm / tpm with optional bursts; the caller rejects unknown fields (its node may hold more). */
  private static Limits limits(ConfigNode n) {
    long rpm = n.integer("rpm", 0, 0, 100_000_000);
    long tpm = n.integer("tpm", 0, 0, 100_000_000_000L);
    long burstRequests = n.integer("burst_requests", rpm, 0, 100_000_000);
    long burstTokens = n.integer("burst_tokens", tpm, 0, 100_000_000_000L);
    if (rpm > 0 && burstRequests < 1) {
      n.problem("burst_requests", "must be at least 1 when rpm is set");
    }
    if (tpm > 0 && burstTokens < 1) {
      n.problem("burst_tokens", "must be at least 1 when tpm is set");
    }
    return rpm == 0 && tpm == 0 ? Limits.NONE : new Limits(rpm, tpm, burstRequests, burstTokens);
  }

  private static RateLimitConfig ratelimit(ConfigNode n) {
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

  private static ProbeConfig probe(ConfigNode n, ProviderType type) {
    String mode = n.string("mode", type == ProviderType.LOCAL ? "none" : "models").trim().toLowerCase(Locale.ROOT);
    if (!List.of("models", "completion", "none").contains(mode)) {
      n.problem("mode", "must be one of models, completion, none, got \"" + mode + "\"");
    }
    String model = n.has("model") ? n.string("model", null) : null;
    Duration interval = n.has("interval") ? n.duration("interval", HealthConfig.DEFAULT.interval()) : null;
    if (interval != null) {
      positive(n, "interval", interval);
    }
    n.rejectUnknown();
    return new ProbeConfig(mode, model, interval);
  }

  private static HealthConfig health(ConfigNode n) {
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

  private static CacheConfig cache(ConfigNode n) {
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
        redis(n.object("redis")));
    if (c.coalesce()) {
      positive(n, "coalesce_wait", coalesceWait);
    }
    n.rejectUnknown();
    return c;
  }

  /** The cache's Redis tier; read (and checked) whether or not {@code backend: redis} uses it. */
  private static CacheConfig.Redis redis(ConfigNode n) {
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

  /** One of an enum's values by its lower-case name. */
  private static <E extends Enum<E>> E choice(ConfigNode n, String key, E[] values, E def) {
    String given = n.string(key, def.name().toLowerCase(Locale.ROOT)).trim();
    if (given.equals("false")) {
      // YAML 1.1 reads an unquoted `off` as false.
      given = "off";
    }
    List<String> names = new ArrayList<>();
    for (E e : values) {
      String name = e.name().toLowerCase(Locale.ROOT);
      if (name.equals(given.toLowerCase(Locale.ROOT))) {
        return e;
      }
      names.add(name);
    }
    n.problem(key, "must be one of " + String.join(", ", names) + ", got \"" + given + "\"");
    return def;
  }

  private static RoutingConfig routing(ConfigNode n) {
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
    n.rejectUnknown();
    return new RoutingConfig(strategy, maxAttempts, requestTimeout, window, weights, explore, slowStart, retry,
        circuit);
  }

  private static RoutingStrategy strategy(ConfigNode n, RoutingStrategy def) {
    if (!n.has("strategy")) {
      return def;
    }
    String text = n.string("strategy", "");
    return RoutingStrategy.parse(text).orElseGet(() -> {
      n.problem("strategy", "unknown strategy \"" + text + "\" (supported: " + RoutingStrategy.labels() + ")");
      return def;
    });
  }

  private static ScoreWeights weights(ConfigNode parent, String key, ScoreWeights def) {
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

  /**
   * A provider's model names. An entry is a name, or a mapping that also gives the model's prices (per million
   * tokens) and context window: {@code {name: claude-sonnet-4-5, input_price: 3, output_price: 15,
   * cached_input_price: 0.3, context_window: 200000}}.
   */
  private static List<String> models(ConfigNode n, List<ModelInfo> infos) {
    List<Object> items = n.list("models");
    List<String> names = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (item instanceof String || item instanceof Number) {
        names.add(item.toString());
        continue;
      }
      ConfigNode m = n.element("models", i, item);
      String name = m.requiredString("name");
      Double input = price(m, "input_price");
      Double output = price(m, "output_price");
      Double cached = price(m, "cached_input_price");
      Long window = m.has("context_window") ? m.integer("context_window", 0, 1, 1_000_000_000) : null;
      m.rejectUnknown();
      names.add(name);
      infos.add(new ModelInfo(name, input, output, cached, window == null || window == 0 ? null : window));
    }
    return names;
  }

  private static Double price(ConfigNode n, String key) {
    return n.has(key) ? n.decimal(key, 0, 0, 1_000_000) : null;
  }

  /**
   * The settings of the translated provider types. Each is refused, by its path, on a type that does not use it. An
   * azure provider also serves every model its deployments map names.
   */
  private static ApiOptions apiOptions(ProviderType type, ConfigNode n, List<String> models) {
    boolean anthropic = type == ProviderType.ANTHROPIC;
    boolean azure = type == ProviderType.AZURE;
    String version = null;
    if (anthropic || azure) {
      version = n.string("api_version", anthropic ? ApiOptions.ANTHROPIC_VERSION : ApiOptions.AZURE_API_VERSION).trim();
      if (!API_VERSION.matcher(version).matches()) {
        n.problem("api_version", "must be a version such as " + (anthropic ? ApiOptions.ANTHROPIC_VERSION
            : ApiOptions.AZURE_API_VERSION) + " (letters, digits, '.', '-', '_'), got \"" + version + "\"");
      }
    } else if (n.has("api_version")) {
      n.problem("api_version", "is only for anthropic and azure providers");
    }
    int maxTokens = 0;
    if (anthropic) {
      maxTokens = (int) n.integer("default_max_tokens", ApiOptions.ANTHROPIC_MAX_TOKENS, 1, 1_000_000);
    } else if (n.has("default_max_tokens")) {
      n.problem("default_max_tokens", "is only for anthropic providers (Anthropic requires max_tokens)");
    }
    Map<String, String> deployments = new LinkedHashMap<>();
    if (azure) {
      n.stringMap("deployments").forEach((model, deployment) -> {
        String d = deployment.trim();
        if (model.isBlank() || model.indexOf('*') >= 0) {
          n.problem("deployments." + model, "must be keyed by a model name (no '*' patterns)");
        } else if (!DEPLOYMENT.matcher(d).matches()) {
          n.problem("deployments." + model, "must be an Azure deployment name (letters, digits, '-', '_', '.'), got \""
              + d + "\"");
        } else {
          deployments.put(model, d);
          if (!models.contains(model)) {
            models.add(model);
          }
        }
      });
    } else if (n.has("deployments")) {
      n.problem("deployments", "is only for azure providers");
    }
    return version == null && deployments.isEmpty() && maxTokens == 0 ? ApiOptions.NONE
        : new ApiOptions(version, maxTokens, deployments);
  }

  private static URI baseUrl(ConfigNode n, String url) {
    try {
      URI uri = new URI(url.trim());
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        // "localhost:11434/v1" parses with "localhost" as its scheme; either way the scheme was left out.
        String hint = url.contains("://") ? "" : withScheme(url.trim());
        n.problem("base_url", "must be an absolute http:// or https:// URL, got \"" + printable(uri) + "\"" + hint);
        return null;
      }
      if (uri.getRawUserInfo() != null) {
        n.problem("base_url", "must not contain credentials (user:password@); use api_key or headers");
        return null;
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        n.problem("base_url", "must not contain a query or fragment, got \"" + printable(uri) + "?…\"");
        return null;
      }
      if (uri.getPort() > 65535) {
        n.problem("base_url", "port must be at most 65535, got " + uri.getPort());
        return null;
      }
      return uri;
    } catch (URISyntaxException e) {
      n.problem("base_url", "is not a valid URL: " + e.getReason());
      return null;
    }
  }

  /** scheme://host:port/path only: queries and user info may carry secrets. */
  /** " (did you mean "http://…"?)" for a base URL written without its scheme, or "" if that does not help. */
  private static String withScheme(String url) {
    try {
      URI fixed = new URI("http://" + url);
      return fixed.getHost() == null ? "" : " (did you mean \"" + printable(fixed) + "\"?)";
    } catch (URISyntaxException e) {
      return "";
    }
  }

  private static String printable(URI uri) {
    if (uri.getHost() == null) {
      return uri.getScheme() == null ? "(no scheme)" : uri.getScheme() + ":…";
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  private static ModelConfig model(String name, ConfigNode n, Map<String, ProviderConfig> providers) {
    List<TargetRef> targets = new ArrayList<>();
    List<Object> items = n.list("targets");
    if (items.isEmpty()) {
      n.problem("targets", "at least one target {provider, model} is required");
    }
    for (int i = 0; i < items.size(); i++) {
      ConfigNode t = n.element("targets", i, items.get(i));
      String provider = t.requiredString("provider");
      String model = t.string("model", name);
      if (!provider.isEmpty() && !providers.containsKey(provider)) {
        t.problem("provider", "unknown provider \"" + provider + "\" (configured: "
            + String.join(", ", providers.keySet()) + ")");
      }
      Double weight = t.has("weight") ? t.decimal("weight", 1, 0, 1_000_000) : null;
      Double quality = t.has("quality") ? t.decimal("quality", 0.5, 0, 1) : null;
      long contextWindow = t.integer("context_window", 0, 0, 100_000_000);
      t.rejectUnknown();
      targets.add(new TargetRef(provider, model, weight, quality, contextWindow));
    }
    RoutingStrategy strategy = strategy(n, null);
    ScoreWeights weights = n.has("weights") ? weights(n, "weights", ScoreWeights.DEFAULT) : null;
    n.rejectUnknown();
    return new ModelConfig(name, targets, strategy, weights);
  }

  private static void positive(ConfigNode n, String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      n.problem(key, "must be longer than 0");
    }
  }

  private static String envHint(String raw) {
    if (raw == null) {
      return "";
    }
    Matcher m = ENV_REF.matcher(raw);
    return m.find() ? " (set " + m.group(1) + ")" : "";
  }

  /** SnakeYAML says "in 'string', line 3, column 8" of text it was handed: name the file instead. */
  private static String named(String yamlMessage, String source) {
    return yamlMessage == null ? null : yamlMessage.replace("in 'string',", "in " + source + ",")
        .replace("in 'reader',", "in " + source + ",");
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
