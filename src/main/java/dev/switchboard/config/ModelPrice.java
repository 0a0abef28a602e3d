package dev.switchboard.config;

/** A model's price in currency units per million tokens. */
public record ModelPrice(double input, double output, double cachedInput) {
  /** Blended price per million tokens used to rank by cost: input and output weighted 3:1, as chat traffic runs. */
  public double blended() {
    return (3 * input + output) / 4;
  }
}
