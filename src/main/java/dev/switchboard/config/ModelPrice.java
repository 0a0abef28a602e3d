package dev.switchboard.config;

/**
 * A model's price: per million tokens, plus what is priced per request, image or character
 * ({@link RequestPrices}).
 *
 * @param tokenPriced whether token prices are configured (a model priced only per image has none)
 */
public record ModelPrice(double input, double output, double cachedInput, RequestPrices perUnit, boolean tokenPriced) {
  public ModelPrice(double input, double output, double cachedInput) {
    this(input, output, cachedInput, RequestPrices.NONE, true);
  }

  /** Blended price per million tokens used to rank by cost: input and output weighted 3:1, as chat traffic runs. */
  public double blended() {
    return (3 * input + output) / 4;
  }

  /**
   * The number the cost strategy and the score compare: the blended token price plus every per-unit price. Targets of
   * one route serve the same kind of model (an image route's targets all price images), so the sums compare like for
   * like.
   */
  public double ranking() {
    RequestPrices u = perUnit;
    return blended() + orZero(u.perRequest()) + (u.perImage() == null ? 0 : u.perImage().flat())
        + orZero(u.per1kCharacters());
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }
}
