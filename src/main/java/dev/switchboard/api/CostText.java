package dev.switchboard.api;

import java.math.BigDecimal;

/** A cost as the x-switchboard-cost header and the stream's closing comment write it: plain decimal, no exponent. */
public final class CostText {
  private CostText() {
  }

  public static String of(double cost) {
    if (cost == 0) {
      return "0";
    }
    // 10 decimals keep a per-token price of 0.01 per million exact; stripped so 0.5 reads "0.5".
    return new BigDecimal(cost).setScale(10, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }
}
