package dev.switchboard.usage;

import io.vertx.core.json.JsonObject;

/** The sum of some {@link StatsCell}s, read once for a report or a recommendation; confined to its reader. */
public final class StatsSummary {
  long requests;
  long successes;
  long failovers;
  long latencyMillis;
  double cost;
  final long[] latencies = new long[StatsCell.BUCKETS];

  public long requests() {
    return requests;
  }

  public long successes() {
    return successes;
  }

  public long failovers() {
    return failovers;
  }

  public double cost() {
    return cost;
  }

  /** Successes over requests, -1 without requests. */
  public double successRate() {
    return requests == 0 ? -1 : (double) successes / requests;
  }

  /** Mean latency in ms, -1 without requests. */
  public double averageMillis() {
    return requests == 0 ? -1 : (double) latencyMillis / requests;
  }

  /** The 95th percentile latency in ms (the upper bound of its histogram bucket), -1 without requests. */
  public double p95Millis() {
    long n = 0;
    for (long c : latencies) {
      n += c;
    }
    if (n == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(n * 0.95);
    long seen = 0;
    for (int i = 0; i < latencies.length; i++) {
      seen += latencies[i];
      if (seen >= rank) {
        return StatsCell.upperBound(i);
      }
    }
    return StatsCell.upperBound(latencies.length - 1);
  }

  public JsonObject describe() {
    return new JsonObject()
        .put("requests", requests)
        .put("successes", successes)
        .put("success_rate", round(successRate(), 10_000))
        .put("failovers", failovers)
        .put("latency_avg_ms", round(averageMillis(), 10))
        .put("latency_p95_ms", round(p95Millis(), 10))
        .put("cost", Math.round(cost * 1e6) / 1e6);
  }

  private static Double round(double v, double scale) {
    return v < 0 ? null : Math.round(v * scale) / scale;
  }
}
