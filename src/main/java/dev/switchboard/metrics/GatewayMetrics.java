package dev.switchboard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every Switchboard meter, named in one place. Meters are cached by their tag values so the hot path does a map
 * lookup instead of building tags for each request. Label values come from config (provider ids, endpoint names,
 * model names that routed), never from free client input, so cardinality stays bounded.
 */
public final class GatewayMetrics {
  public static final String REQUESTS = "switchboard_requests";
  public static final String REQUEST_DURATION = "switchboard_request_duration_seconds";
  public static final String TTFT = "switchboard_time_to_first_token_seconds";
  public static final String UPSTREAM_RESPONSES = "switchboard_upstream_responses";
  public static final String TOKENS = "switchboard_tokens";
  public static final String IN_FLIGHT = "switchboard_requests_in_flight";
  public static final String CIRCUIT_TRANSITIONS = "switchboard_circuit_transitions";
  public static final String CIRCUIT_STATE = "switchboard_circuit_state";
  public static final String RETRIES = "switchboard_retries";
  public static final String PROVIDER_UP = "switchboard_provider_up";
  public static final String COST = "switchboard_cost";
  public static final String BUDGET_REMAINING = "switchboard_budget_remaining";
  public static final String BUDGET_ALERTS = "switchboard_budget_alerts";
  public static final String LEDGER_DROPPED = "switchboard_ledger_dropped";
  public static final String LEDGER_STORE_UP = "switchboard_ledger_store_up";
  public static final String LEDGER_PENDING = "switchboard_ledger_pending_rows";
  public static final String LEDGER_SPILLED = "switchboard_ledger_spilled_rows";
  public static final String LEDGER_REPLAYED = "switchboard_ledger_replayed_rows";
  public static final String PAYLOAD_LOG_DROPPED = "switchboard_payload_log_dropped";
  public static final String RATE_LIMIT = "switchboard_ratelimit_decisions";
  public static final String RATE_LIMIT_BACKEND_UP = "switchboard_ratelimit_backend_up";
  public static final String RATE_LIMIT_BACKEND_ERRORS = "switchboard_ratelimit_backend_errors";
  public static final String RATE_LIMIT_FALLBACK = "switchboard_ratelimit_fallback";
  public static final String RATE_LIMIT_BREAKER_OPEN = "switchboard_ratelimit_breaker_open";
  public static final String RATE_LIMIT_INSTANCES = "switchboard_ratelimit_instances";
  public static final String RATE_LIMIT_REDIS_CALLS = "switchboard_ratelimit_redis_calls";
  public static final String HEALTH_TRANSITIONS = "switchboard_health_transitions";
  public static final String PROBE_DURATION = "switchboard_probe_duration_seconds";
  public static final String FAILOVERS = "switchboard_failovers";
  public static final String PANIC_ROUTING = "switchboard_panic_routing";
  public static final String HEDGES = "switchboard_hedges";
  public static final String STREAM_RESUMES = "switchboard_stream_resumes";
  public static final String ABANDONED_TOKENS = "switchboard_abandoned_attempt_tokens";
  public static final String ABANDONED_COST = "switchboard_abandoned_attempt_cost";
  public static final String CACHE_REQUESTS = "switchboard_cache_requests";
  public static final String CACHE_STORES = "switchboard_cache_stores";
  public static final String CACHE_EVICTIONS = "switchboard_cache_evictions";
  public static final String CACHE_BYTES = "switchboard_cache_bytes";
  public static final String CACHE_ENTRIES = "switchboard_cache_entries";
  public static final String CACHE_SAVED_TOKENS = "switchboard_cache_saved_tokens";
  public static final String CACHE_COALESCED = "switchboard_cache_coalesced";
  public static final String CACHE_REDIS_UP = "switchboard_cache_redis_up";
  public static final String CACHE_REDIS_ERRORS = "switchboard_cache_redis_errors";
  public static final String ADMIN_EVENTS_DROPPED = "switchboard_admin_events_dropped";
  public static final String CONNECTIONS_REFUSED = "switchboard_connections_refused";
  public static final String CONFIG_RELOADS = "switchboard_config_reloads";

  /**
   * Model names reach labels from client requests through prefix patterns ("openrouter/*"), so they are capped:
   * past this many distinct names, further ones count under "other".
   */
  static final int MAX_MODEL_LABELS = 500;
  private final java.util.Set<String> modelLabels = ConcurrentHashMap.newKeySet();
  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ConcurrentHashMap<MeterKey, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<MeterKey, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RequestKey, RequestMeters> requestMeters = new ConcurrentHashMap<>();
  /** Histogram edges of request latency: 5 ms to 10 min. */
  static final Duration[] DURATION_BUCKETS = buckets(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
      30_000, 60_000, 120_000, 300_000, 600_000);
  /** Histogram edges of time to first token: 25 ms to 5 min. */
  static final Duration[] TTFT_BUCKETS = buckets(25, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000,
      60_000, 300_000);
  /** Histogram edges of health probes: 5 ms to 1 min. */
  static final Duration[] PROBE_BUCKETS = buckets(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
      60_000);

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge(IN_FLIGHT, inFlight);
  }

  String boundedModel(String model) {
    if (modelLabels.contains(model)) {
      return model;
    }
    if (modelLabels.size() >= MAX_MODEL_LABELS) {
      return "other";
    }
    modelLabels.add(model);
    return model;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Dashboard events dropped because a slow {@code /admin/events} stream's write queue was full. */
  public Counter adminEventsDropped() {
    return Counter.builder(ADMIN_EVENTS_DROPPED).description("Dashboard events dropped for slow event streams")
        .register(registry);
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestFinished(String endpoint, String provider, int status, String outcome, long durationNanos) {
    inFlight.decrementAndGet();
    String p = provider == null ? "none" : provider;
    RequestKey key = new RequestKey(endpoint, p, status, outcome);
    RequestMeters meters = requestMeters.get(key);
    if (meters == null) {
      meters = requestMeters.computeIfAbsent(key, k -> new RequestMeters(counter(REQUESTS,
          "Client requests by endpoint, serving provider, status and outcome", "endpoint", endpoint, "provider", p,
          "status", Integer.toString(status), "outcome", outcome),
          timer(REQUEST_DURATION, "Client request latency, first byte in to last byte out", DURATION_BUCKETS,
              "endpoint", endpoint, "provider", p)));
    }
    meters.requests().increment();
    meters.duration().record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** The tag values of a {@link #REQUESTS} counter, with the status unformatted (hot path: no string building). */
  private record RequestKey(String endpoint, String provider, int status, String outcome) {
    @Override
    public int hashCode() {
      // Written out: the record's generated hashCode goes through a method handle per field.
      return ((java.util.Objects.hashCode(endpoint) * 31 + provider.hashCode()) * 31 + status) * 31
          + java.util.Objects.hashCode(outcome);
    }
  }

  /** A finished request's counter and its endpoint and provider's duration histogram (shared between keys). */
  private record RequestMeters(Counter requests, Timer duration) {
  }

  public void timeToFirstToken(String endpoint, String provider, long nanos) {
    timer(TTFT, "Time from request to the first content byte sent to the client", TTFT_BUCKETS,
        "endpoint", endpoint, "provider", provider).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One upstream attempt's result: an HTTP status or a failure label such as "timeout" or "connect". */
  public void upstreamResponse(String provider, String result) {
    counter(UPSTREAM_RESPONSES, "Upstream attempts by provider and result", "provider", provider, "status", result)
        .increment();
  }

  /**
   * Upstream attempts' counters by the attempt's text as the attempts list writes it ({@code openai:503}): found
   * without splitting it. Bounded like the counters themselves (provider ids from config, statuses and labels).
   */
  private final ConcurrentHashMap<String, Counter> attemptCounters = new ConcurrentHashMap<>();

  /** One upstream attempt, as {@code provider:result} (the {@code x-switchboard-attempts} entry). */
  public void upstreamAttempt(String attempt) {
    Counter c = attemptCounters.get(attempt);
    if (c == null) {
      int colon = attempt.lastIndexOf(':');
      c = attemptCounters.computeIfAbsent(attempt, a -> counter(UPSTREAM_RESPONSES,
          "Upstream attempts by provider and result", "provider", a.substring(0, colon), "status",
          a.substring(colon + 1)));
    }
    c.increment();
  }

  public void tokens(String provider, String upstreamModel, String kind, long count) {
    if (count <= 0) {
      return;
    }
    String model = boundedModel(upstreamModel);
    counter(TOKENS, "Tokens by provider, model and kind (prompt, completion, cached)", "provider", provider,
        "model", model, "kind", kind).increment(count);
  }

  /** A reply's prompt, completion and cached tokens: the same counters as {@link #tokens}, found with one lookup. */
  public void tokens(String provider, String upstreamModel, long prompt, long completion, long cached) {
    if (prompt <= 0 && completion <= 0 && cached <= 0) {
      return;
    }
    ProviderModel key = new ProviderModel(provider, boundedModel(upstreamModel));
    TokenCounters c = tokenCounters.get(key);
    if (c == null) {
      c = tokenCounters.computeIfAbsent(key, k -> new TokenCounters(k.provider(), k.model()));
    }
    c.add(prompt, completion, cached);
  }

  private record ProviderModel(String provider, String model) {
  }

  /** By provider and model label (already bounded), so the map is as bounded as the counters. */
  private final ConcurrentHashMap<ProviderModel, TokenCounters> tokenCounters = new ConcurrentHashMap<>();

  /** The three kinds' counters of one provider and model label, registered on first use like {@link #tokens}. */
  private final class TokenCounters {
    private final String provider;
    private final String model;
    private volatile Counter prompt;
    private volatile Counter completion;
    private volatile Counter cached;

    TokenCounters(String provider, String model) {
      this.provider = provider;
      this.model = model;
    }

    void add(long promptTokens, long completionTokens, long cachedTokens) {
      if (promptTokens > 0) {
        Counter c = prompt;
        if (c == null) {
          prompt = c = kind("prompt");
        }
        c.increment(promptTokens);
      }
      if (completionTokens > 0) {
        Counter c = completion;
        if (c == null) {
          completion = c = kind("completion");
        }
        c.increment(completionTokens);
      }
      if (cachedTokens > 0) {
        Counter c = cached;
        if (c == null) {
          cached = c = kind("cached");
        }
        c.increment(cachedTokens);
      }
    }

    private Counter kind(String kind) {
      return counter(TOKENS, "Tokens by provider, model and kind (prompt, completion, cached)", "provider", provider,
          "model", model, "kind", kind);
    }
  }

  /** A reload or runtime config change: {@code applied}, {@code unchanged}, {@code invalid} or {@code failed}. */
  public void configReload(String result) {
    counter(CONFIG_RELOADS, "Config reloads and runtime config changes by result", "result", result).increment();
  }

  public void circuitTransition(String provider, String to) {
    counter(CIRCUIT_TRANSITIONS, "Circuit breaker transitions by provider and new state", "provider", provider,
        "state", to).increment();
  }

  /** Registers the circuit state gauge of a provider: 0 closed, 1 open, 2 half-open. */
  public void circuitState(String provider, java.util.function.IntSupplier phase) {
    gauge(CIRCUIT_STATE, "Circuit breaker state per provider: 0 closed, 1 open, 2 half-open",
        phase::getAsInt, "provider", provider);
  }

  /** A retry of the same provider after a momentary failure. */
  public void retry(String provider) {
    counter(RETRIES, "Retries of the same provider within a request", "provider", provider).increment();
  }

  /** A request moved on from {@code provider} to another target after a failure or refusal. */
  public void failover(String provider, String reason) {
    counter(FAILOVERS, "Requests that moved on from a provider, by provider and reason", "provider", provider,
        "reason", reason).increment();
  }

  /** A request whose every candidate was refused by circuits or health alone, tried anyway (panic routing). */
  public void panicRouting(String model) {
    counter(PANIC_ROUTING, "Requests routed in panic mode: every candidate's circuit open or health down, tried anyway",
        "model", boundedModel(model)).increment();
  }

  /**
   * A hedged attempt on {@code provider}: {@code started}, {@code won} (it served the reply), {@code lost} (cancelled
   * when the other produced content first), or {@code no_budget} (wanted but refused by the hedge budget).
   */
  public void hedge(String provider, String result) {
    counter(HEDGES, "Hedged stream attempts by provider and result (started, won, lost, no_budget)",
        "provider", provider, "result", result).increment();
  }

  /**
   * A stream cut after commit: {@code completed} (a continuation finished it), {@code failed} (the continuation
   * failed too) or {@code unavailable} (no candidate left to continue on).
   */
  public void streamResume(String result) {
    counter(STREAM_RESUMES, "Streams cut after commit and continued on another candidate, by result",
        "result", result).increment();
  }

  /**
   * Estimated tokens and cost of an attempt cancelled while {@code provider} worked on it, by why ({@code hedge_lost}):
   * spent although the client got nothing of it.
   */
  public void abandonedAttempt(String provider, String why, long tokens, double cost) {
    counter(ABANDONED_TOKENS, "Estimated tokens of attempts cancelled while the provider worked on them (hedge losers)",
        "provider", provider, "why", why).increment(tokens);
    if (cost > 0) {
      counter(ABANDONED_COST, "Estimated cost of attempts cancelled while the provider worked on them",
          "provider", provider, "why", why).increment(cost);
    }
  }

  /** Registers the up gauge of a provider: 1 healthy or degraded, 0 down, in maintenance or unknown. */
  public void providerUp(String provider, java.util.function.IntSupplier up) {
    gauge(PROVIDER_UP, "1 when the provider is healthy or degraded, 0 when down, in maintenance or not known",
        up::getAsInt, "provider", provider);
  }

  public void healthTransition(String provider, String to) {
    counter(HEALTH_TRANSITIONS, "Provider health state changes by provider and new state", "provider", provider,
        "state", to).increment();
  }

  /** One health probe's latency and result ("ok", "failed", "down"). */
  public void probe(String provider, String result, long nanos) {
    timer(PROBE_DURATION, "Health probe latency by provider and result", PROBE_BUCKETS,
        "provider", provider, "result", result).record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One rate-limit decision.
   *
   * @param scope "key" or "provider"
   * @param decision admitted, queued, rejected (key) or skipped (provider)
   */
  public void rateLimit(String scope, String decision) {
    counter(RATE_LIMIT, "Rate-limit decisions by scope (key, provider) and decision", "scope", scope,
        "decision", decision).increment();
  }

  public void rateLimitBackendUp(java.util.function.IntSupplier up) {
    gauge(RATE_LIMIT_BACKEND_UP, "1 while the shared rate-limit store (Redis) answers, 0 while the limiter falls back",
        up::getAsInt);
  }

  public void rateLimitBackendError() {
    counter(RATE_LIMIT_BACKEND_ERRORS, "Shared rate-limit store commands that failed").increment();
  }

  /** A take decided by this instance alone (its fallback share, or a refusal) because Redis was away. */
  public void rateLimitFallback() {
    counter(RATE_LIMIT_FALLBACK, "Rate-limit takes decided locally because the shared store (Redis) was away")
        .increment();
  }

  public void rateLimitBreakerOpen(java.util.function.IntSupplier open) {
    gauge(RATE_LIMIT_BREAKER_OPEN,
        "1 while the rate limiter's Redis breaker is open (decisions are local, Redis is only probed)", open::getAsInt);
  }

  public void rateLimitInstances(java.util.function.IntSupplier live) {
    gauge(RATE_LIMIT_INSTANCES,
        "Live gateway instances sharing the rate-limit store, as last counted; leases and fallback shares divide by it",
        live::getAsInt);
  }

  /** One call to the shared rate-limit store ({@code call} bucket: a batch of bucket operations; heartbeat). */
  public void rateLimitRedisCall(String call) {
    counter(RATE_LIMIT_REDIS_CALLS, "Calls to the shared rate-limit store (Redis) by kind", "call", call).increment();
  }

  /** Spend in currency units, by provider and model. */
  public void cost(String provider, String upstreamModel, double cost) {
    String model = upstreamModel == null ? "none" : boundedModel(upstreamModel);
    counter(COST, "Spend in currency units by provider and model (configured prices)", "provider", provider,
        "model", model).increment(cost);
  }

  public void budgetRemaining(String scope, String name, String period, java.util.function.DoubleSupplier remaining) {
    gauge(BUDGET_REMAINING, "Budget left in the current window, currency units",
        remaining::getAsDouble, "scope", scope, "name", name, "period", period);
  }

  /**
   * Drops the budget gauges of a key or provider that is gone or whose budget changed: a gauge keeps the limit it was
   * registered with, so one of the same name registered later would otherwise report against the old limit.
   */
  public void removeBudgetRemaining(String scope, String name) {
    for (io.micrometer.core.instrument.Meter m : registry.find(BUDGET_REMAINING).tags("scope", scope, "name", name)
        .meters()) {
      registry.remove(m);
    }
  }

  public void budgetAlert(String scope, String period, String level) {
    counter(BUDGET_ALERTS, "Budget alerts: threshold reached or exceeded", "scope", scope, "period", period,
        "level", level).increment();
  }

  /**
   * A client connection refused or cut at the edge.
   *
   * @param reason max_connections, max_connections_per_client, header_timeout or body_timeout
   */
  public void connectionRefused(String reason) {
    counter(CONNECTIONS_REFUSED, "Client connections refused or cut at the edge by reason", "reason", reason).increment();
  }

  public void payloadLogDropped() {
    counter(PAYLOAD_LOG_DROPPED, "Payload log records dropped because the write queue was full").increment();
  }

  public void ledgerDropped() {
    counter(LEDGER_DROPPED, "Ledger rows dropped because the write queue was full").increment();
  }

  /**
   * The shared ledger store's state: whether it answers, rows held in memory and in the spill file while it did not.
   */
  public void ledgerStore(String store, java.util.function.BooleanSupplier up,
                          java.util.function.Supplier<Number> pending, java.util.function.Supplier<Number> spilled) {
    gauge(LEDGER_STORE_UP, "1 when the ledger store answered its last write, 0 while it does not",
        () -> up.getAsBoolean() ? 1 : 0, "store", store);
    gauge(LEDGER_PENDING, "Ledger rows held in memory because the store did not take them yet", pending, "store", store);
    gauge(LEDGER_SPILLED, "Ledger rows in the local spill file, waiting for the store to return", spilled,
        "store", store);
  }

  public void ledgerReplayed(long rows) {
    counter(LEDGER_REPLAYED, "Ledger rows written to the store after waiting in memory or the spill file").increment(rows);
  }

  // ---- response cache ------------------------------------------------------------------------------------------

  /**
   * One cacheable-endpoint request's cache result.
   *
   * @param result hit, miss or bypass (not looked up: not cacheable, mode, no-cache, no-store)
   * @param tier where a hit came from: memory, redis or coalesced (an identical request in flight); none otherwise
   */
  public void cacheRequest(String endpoint, String result, String tier) {
    counter(CACHE_REQUESTS, "Cacheable-endpoint requests by cache result (hit, miss, bypass) and tier of the hit",
        "endpoint", endpoint, "result", result, "tier", tier).increment();
  }

  /** What became of a reply the cache recorded: stored, or why not (too_large, truncated, incomplete, ...). */
  public void cacheStore(String result) {
    counter(CACHE_STORES, "Recorded replies by what became of them: stored, or why they were not",
        "result", result).increment();
  }

  /** An entry the in-memory tier dropped: size (the byte bound) or expired. */
  public void cacheEviction(String cause) {
    counter(CACHE_EVICTIONS, "Entries evicted from the in-memory cache by cause (size, expired)", "cause", cause)
        .increment();
  }

  /** Registers the in-memory tier's size gauges. */
  public void cacheSize(java.util.function.LongSupplier bytes, java.util.function.LongSupplier entries) {
    gauge(CACHE_BYTES, "Bytes held by the in-memory response cache (its bound is cache.max_size)", bytes::getAsLong);
    gauge(CACHE_ENTRIES, "Entries in the in-memory response cache", entries::getAsLong);
  }

  /** Tokens a cache hit did not spend upstream ({@code kind} prompt or completion). */
  public void cacheSavedTokens(String kind, long count) {
    if (count > 0) {
      counter(CACHE_SAVED_TOKENS, "Tokens served from the cache instead of upstream (zero cost), by kind",
          "kind", kind).increment(count);
    }
  }

  /**
   * A request that waited for an identical one in flight: served (its answer), released (it failed or was not
   * cacheable, so this one went upstream) or timeout (cache.coalesce_wait passed).
   */
  public void cacheCoalesced(String result) {
    counter(CACHE_COALESCED, "Requests that waited for an identical request in flight, by result", "result", result)
        .increment();
  }

  public void cacheRedisUp(java.util.function.IntSupplier up) {
    gauge(CACHE_REDIS_UP, "1 while the cache's Redis tier answers, 0 while the cache serves from memory only",
        up::getAsInt);
  }

  /** A Redis command of the cache that failed or timed out ({@code op} get, set, ping, clear). */
  public void cacheRedisError(String op) {
    counter(CACHE_REDIS_ERRORS, "Cache commands to Redis that failed or timed out, by operation", "op", op)
        .increment();
  }

  /** A counter by name and tag pairs, registered on first use. */
  private Counter counter(String name, String description, String... tags) {
    MeterKey key = MeterKey.of(name, tags);
    Counter c = counters.get(key);
    return c != null ? c : counters.computeIfAbsent(key,
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  /** A gauge read from {@code value} at each scrape. */
  private void gauge(String name, String description, java.util.function.Supplier<Number> value, String... tags) {
    io.micrometer.core.instrument.Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  /**
   * A latency histogram with fixed buckets ({@code le} in seconds), registered once per name and tag values. Fixed
   * buckets rather than Micrometer's percentile histogram (about 80 buckets from 1 ms to minutes per series): a
   * dozen or so edges answer the same p50/p99 questions in Prometheus at a fraction of the lines per scrape.
   */
  private Timer timer(String name, String description, Duration[] buckets, String... tags) {
    MeterKey key = MeterKey.of(name, tags);
    Timer t = timers.get(key);
    return t != null ? t : timers.computeIfAbsent(key, k -> Timer.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(buckets).register(registry));
  }

  private static Duration[] buckets(long... millis) {
    return java.util.Arrays.stream(millis).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
  }

  /**
   * A meter's name and tag values (at most four tags, as every meter here has), compared by value: looked up per
   * request without joining strings.
   */
  private record MeterKey(String name, String v1, String v2, String v3, String v4) {
    @Override
    public int hashCode() {
      // Written out: the record's generated hashCode goes through a method handle per field.
      return (((name.hashCode() * 31 + java.util.Objects.hashCode(v1)) * 31 + java.util.Objects.hashCode(v2)) * 31
          + java.util.Objects.hashCode(v3)) * 31 + java.util.Objects.hashCode(v4);
    }

    static MeterKey of(String name, String... tags) {
      if (tags.length > 8) {
        throw new IllegalArgumentException("at most four tags: " + name);
      }
      return new MeterKey(name, tags.length > 1 ? tags[1] : null, tags.length > 3 ? tags[3] : null,
          tags.length > 5 ? tags[5] : null, tags.length > 7 ? tags[7] : null);
    }
  }
}
