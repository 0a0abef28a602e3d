package dev.switchboard.usage;

import dev.switchboard.api.ServiceType;
import dev.switchboard.config.Clocks;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request statistics for operators: total, successes, success rate, failovers, average and p95 latency and cost,
 * overall, per provider and per service type, over a rolling window and since the last reset
 * ({@code POST /admin/stats/reset}). Fed by {@link StatsListener}; read by the admin API and the recommendations.
 * Thread-safe and lock-free: a series overall, one per service type (all four, from the start) and one per provider
 * in a concurrent map whose keys are bounded (provider ids from the config, "cache").
 *
 * <p>Per provider, {@code requests} are the requests it answered and {@code failovers} the requests that moved on
 * from it to another provider; overall and per service, {@code failovers} are the requests that needed more than one
 * provider.
 */
public final class RequestStats {
  private final Clocks clocks;
  private final long windowNanos;
  private final StatsSeries all;
  private final StatsSeries[] services = new StatsSeries[ServiceType.values().length];
  private final Map<String, StatsSeries> providers = new ConcurrentHashMap<>();
  private volatile long resetAtMillis;

  public RequestStats(Duration window, Clocks clocks) {
    this.clocks = clocks;
    this.windowNanos = window.toNanos();
    this.resetAtMillis = clocks.wall().millis();
    this.all = new StatsSeries(windowNanos, resetAtMillis);
    for (ServiceType type : ServiceType.values()) {
      services[type.ordinal()] = new StatsSeries(windowNanos, resetAtMillis);
    }
  }

  /**
   * One finished request.
   *
   * @param servedBy the provider that answered it ("cache" for a hit), or null when none did
   * @param movedOnFrom providers it was tried on before another one
   */
  public void record(ServiceType service, String servedBy, List<String> movedOnFrom, boolean success,
                     long latencyMillis, double cost) {
    long now = clocks.nanoTime().getAsLong();
    long failover = movedOnFrom.isEmpty() ? 0 : 1;
    all.record(now, 1, success, failover, latencyMillis, cost);
    service(service).record(now, 1, success, failover, latencyMillis, cost);
    if (servedBy != null) {
      provider(servedBy).record(now, 1, success, 0, latencyMillis, cost);
    }
    for (String p : movedOnFrom) {
      provider(p).record(now, 0, false, 1, 0, 0);
    }
  }

  private StatsSeries provider(String id) {
    StatsSeries s = providers.get(id);
    return s != null ? s : providers.computeIfAbsent(id, k -> new StatsSeries(windowNanos, resetAtMillis));
  }

  private StatsSeries service(ServiceType type) {
    return services[type.ordinal()];
  }

  /** One provider's figures over the window (empty when it has none). */
  public StatsSummary providerWindow(String provider) {
    StatsSeries s = providers.get(provider);
    return s == null ? new StatsSummary() : s.window(clocks.nanoTime().getAsLong());
  }

  /** Starts the since-reset figures again from zero; the window keeps rolling. */
  public void reset() {
    long at = clocks.wall().millis();
    resetAtMillis = at;
    all.reset(at);
    for (StatsSeries s : services) {
      s.reset(at);
    }
    providers.values().forEach(s -> s.reset(at));
  }

  /** The admin view: {@code window} and {@code since_reset}, each overall, per provider and per service. */
  public JsonObject describe() {
    long now = clocks.nanoTime().getAsLong();
    JsonObject window = view(s -> s.window(now)).put("duration_ms", windowNanos / 1_000_000);
    JsonObject since = view(StatsSeries::sinceReset).put("reset_at", Instant.ofEpochMilli(resetAtMillis).toString());
    return new JsonObject().put("window", window).put("since_reset", since);
  }

  private JsonObject view(java.util.function.Function<StatsSeries, StatsSummary> read) {
    JsonObject byProvider = new JsonObject();
    new TreeMap<>(providers).forEach((id, s) -> byProvider.put(id, read.apply(s).describe()));
    JsonObject byService = new JsonObject();
    for (ServiceType type : ServiceType.values()) {
      byService.put(type.label(), read.apply(services[type.ordinal()]).describe());
    }
    return new JsonObject().put("overall", read.apply(all).describe()).put("providers", byProvider)
        .put("services", byService);
  }
}
