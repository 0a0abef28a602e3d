package dev.switchboard.api;

/**
 * What one request demands of the target that serves it, from {@code x-switchboard-max-price},
 * {@code x-switchboard-min-quality}, {@code x-switchboard-max-latency} or the body's {@code x_switchboard} member.
 * Each is null when not asked for. Every strategy sees only the targets that meet them (routing's requirement gate).
 *
 * @param maxPricePerMillion the highest blended price per million tokens ({@code max_price: 2.5})
 * @param maxPricePerRequest the highest price of the request by its per-request, per-image and per-character prices
 *     ({@code max_price: 0.05/request})
 * @param minQuality the lowest configured quality, 0..1
 * @param maxLatencyMillis the highest live p95 latency of the provider
 */
public record Requirements(Double maxPricePerMillion, Double maxPricePerRequest, Double minQuality,
                           Long maxLatencyMillis) {
  public static final Requirements NONE = new Requirements(null, null, null, null);

  public boolean any() {
    return maxPricePerMillion != null || maxPricePerRequest != null || minQuality != null || maxLatencyMillis != null;
  }

  /** The requirements in the words a client used, e.g. "max_price 5 per 1M tokens, min_quality 0.8". */
  public String describe() {
    StringBuilder b = new StringBuilder();
    if (maxPricePerMillion != null) {
      b.append("max_price ").append(number(maxPricePerMillion)).append(" per 1M tokens");
    }
    if (maxPricePerRequest != null) {
      b.append(b.isEmpty() ? "" : ", ").append("max_price ").append(number(maxPricePerRequest)).append(" per request");
    }
    if (minQuality != null) {
      b.append(b.isEmpty() ? "" : ", ").append("min_quality ").append(number(minQuality));
    }
    if (maxLatencyMillis != null) {
      b.append(b.isEmpty() ? "" : ", ").append("max_latency ").append(maxLatencyMillis).append("ms");
    }
    return b.toString();
  }

  /** A number as a person writes it: 5, not 5.0. */
  public static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
