package dev.switchboard.config;

/**
 * Relative weights of the parts of a provider's score under the {@code score} strategy. Only their ratios matter;
 * each part is a number in 0..1 where 1 is best.
 *
 * @param latency smoothed time to first token, relative to the fastest candidate
 * @param errors share of successful attempts over the stats window
 * @param quality configured quality of the target (0..1)
 * @param cost configured price, relative to the cheapest candidate
 * @param load requests in flight relative to the provider's connection pool
 * @param headroom rate-limit headroom left at the provider
 */
public record ScoreWeights(double latency, double errors, double quality, double cost, double load, double headroom) {
  public static final ScoreWeights DEFAULT = new ScoreWeights(0.30, 0.30, 0.15, 0.10, 0.10, 0.05);

  public double sum() {
    return latency + errors + quality + cost + load + headroom;
  }
}
