package dev.switchboard.config;

/**
 * Spend limits in currency units per calendar day, week (from Monday) and month, in {@code usage.time_zone}. Zero
 * means no limit for that window.
 */
public record Budget(double daily, double weekly, double monthly) {
  public static final Budget NONE = new Budget(0, 0, 0);

  public boolean any() {
    return daily > 0 || weekly > 0 || monthly > 0;
  }
}
