package dev.switchboard.api;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class CostTextTest {
  /** The formatting before the table of recent texts existed: the oracle. */
  private static String uncached(double cost) {
    if (cost == 0) {
      return "0";
    }
    return new BigDecimal(cost).setScale(10, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  @Test
  void everyCostReadsAsTheUncachedFormatWhetherFirstSeenRepeatedOrEvictedBySlotNeighbours() {
    SplittableRandom random = new SplittableRandom(17);
    double[] costs = new double[5_000];
    for (int i = 0; i < costs.length; i++) {
      // Token counts at real prices, plus raw doubles of every magnitude: far more than the table holds.
      costs[i] = i % 2 == 0 ? random.nextInt(1, 200_000) * 0.15 / 1e6 + random.nextInt(0, 50_000) * 0.6 / 1e6
          : random.nextDouble() * Math.pow(10, random.nextInt(-12, 6));
    }
    for (int round = 0; round < 3; round++) {
      for (double cost : costs) {
        assertThat(CostText.of(cost)).as("cost %s in round %d", cost, round).isEqualTo(uncached(cost));
      }
    }
  }

  @Test
  void zeroNegativeZeroAndRoundingEdgesKeepTheirText() {
    assertThat(CostText.of(0.0)).isEqualTo("0");
    assertThat(CostText.of(-0.0)).isEqualTo("0");
    assertThat(CostText.of(0.5)).isEqualTo("0.5");
    assertThat(CostText.of(1e-11)).isEqualTo("0");
    assertThat(CostText.of(0.00005)).isEqualTo("0.00005");
    assertThat(CostText.of(123456.0)).isEqualTo("123456");
    assertThat(CostText.of(61 * 0.15 / 1e6 + 54 * 0.6 / 1e6)).isEqualTo(uncached(61 * 0.15 / 1e6 + 54 * 0.6 / 1e6));
  }

  @Test
  void twoCostsSharingASlotEachGetTheirOwnText() {
    double a = 0.0000415;
    long bits = Double.doubleToRawLongBits(a);
    double b = a;
    for (long next = bits + 1; ; next++) {
      if (CostText.slot(next) == CostText.slot(bits)) {
        b = Double.longBitsToDouble(next);
        break;
      }
    }
    assertThat(b).isNotEqualTo(a);
    for (int i = 0; i < 3; i++) {
      assertThat(CostText.of(a)).isEqualTo(uncached(a));
      assertThat(CostText.of(b)).isEqualTo(uncached(b));
    }
  }
}
