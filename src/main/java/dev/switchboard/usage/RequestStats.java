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
 * Thread-safe: lock-free series in a concurrent map whose keys are bounded (provider ids from the config, "cache",
 * four service types).
 *
 * <p>Per provider, {@code requests} are the requests it answered and {@code failovers} the requests that moved on
 * from it to another provider; overall and per service, {@code failovers} are the requests that needed more than one
 * provider.
 */
public final class RequestStats {
  static final String ALL = "all";

  private final Clocks clocks;
  private final long windowNanos;
  private final Map<String, StatsSeries> series = new ConcurrentHashMap<>();
  private volatile long resetAtMillis;

  public RequestStats(Duration window, Clocks clocks) {
    this.clocks = clocks;
    this.windowNanos = window.toNanos();
    this.resetAtMillis = clocks.wall().millis();
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
    of(ALL).record(now, 1, success, failover, latencyMillis, cost);
    of("service:" + service.label()).record(now, 1, success, failover, latencyMillis, cost);
    if (servedBy != null) {
      of("provider:" + servedBy).record(now, 1, success, 0, latencyMillis, cost);
    }
    for (String p : movedOnFrom) {
      of("provider:" + p).record(now, 0, false, 1, 0, 0);
    }
  }

  private StatsSeries of(String key) {
    StatsSeries s = series.get(key);
    return s != null ? s : series.computeIfAbsent(key, k -> new StatsSeries(windowNanos, resetAtMillis));
  }

  /** One provider's figures over the window (empty when it has none). */
  public StatsSummary providerWindow(String provider) {
    StatsSeries s = series.get("provider:" + provider);
    return s == null ? new StatsSummary() : s.window(clocks.nanoTime().getAsLong());
  }

  /** Starts the since-reset figures again from zero; the window keeps rolling. */
  public void reset() {
    long at = clocks.wall().millis();
    resetAtMillis = at;
    series.values().forEach(s -> s.reset(at));
  }

  /** The admin view: {@code window} and {@code since_reset}, each overall, per provider and per service. */
  public JsonObject describe() {
    long now = clocks.nanoTime().getAsLong();
    JsonObject window = view(s -> s.window(now)).put("duration_ms", windowNanos / 1_000_000);
    JsonObject since = view(StatsSeries::sinceReset).put("reset_at", Instant.ofEpochMilli(resetAtMillis).toString());
    return new JsonObject().put("window", window).put("since_reset", since);
  }

  private JsonObject view(java.util.function.Function<StatsSeries, StatsSummary> read) {
    StatsSeries all = series.get(ALL);
    JsonObject providers = new JsonObject();
    JsonObject services = new JsonObject();
    new TreeMap<>(series).forEach((key, s) -> {
      if (key.startsWith("provider:")) {
        providers.put(key.substring("provider:".length()), read.apply(s).describe());
      } else if (key.startsWith("service:")) {
        services.put(key.substring("service:".length()), read.apply(s).describe());
      }
    });
    return new JsonObject().put("overall", (all == null ? new StatsSummary() : read.apply(all)).describe())
        .put("providers", providers).put("services", services);
  }
}
