package dev.switchboard.api;

import java.math.BigDecimal;

/**
 * A cost as the x-switchboard-cost header and the stream's closing comment write it: plain decimal, no exponent.
 *
 * <p>Formatting through {@link BigDecimal} costs about a microsecond, and one price and usage shape repeat across
 * requests, so the texts of recent costs are remembered in a small direct-mapped table keyed by the double's bits
 * (bounded at {@value #SLOTS} entries whatever the traffic). Thread-safe without locks: an entry is immutable, a
 * slot is overwritten by whoever formats last, and a reader that misses formats again.
 */
public final class CostText {
  static final int SLOTS = 256;
  private static final Entry[] RECENT = new Entry[SLOTS];

  private record Entry(long bits, String text) {
  }

  private CostText() {
  }

  public static String of(double cost) {
    if (cost == 0) {
      return "0";
    }
    long bits = Double.doubleToRawLongBits(cost);
    int slot = slot(bits);
    Entry e = RECENT[slot];
    if (e != null && e.bits == bits) {
      return e.text;
    }
    String text = format(cost);
    RECENT[slot] = new Entry(bits, text);
    return text;
  }

  static int slot(long bits) {
    // Fibonacci hashing: the top bits of the product mix every bit of the double into the slot.
    return (int) ((bits * 0x9E3779B97F4A7C15L) >>> (64 - 8));
  }

  /** The uncached form. */
  static String format(double cost) {
    // 10 decimals keep a per-token price of 0.01 per million exact; stripped so 0.5 reads "0.5".
    return new BigDecimal(cost).setScale(10, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }
}
