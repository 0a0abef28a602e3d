package dev.switchboard.admin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The dashboard's per-provider window on fake time: rates over the time the samples cover, from the first look. */
class RollingWindowTest {
  private static final long START = 1_700_000_000_000L;

  /** Feeds {@code perSecond} evenly spaced requests a second (each second's last at its end) from {@code fromMillis} for {@code seconds}. */
  private static void feed(RollingWindow w, long fromMillis, int seconds, int perSecond) {
    for (int s = 0; s < seconds; s++) {
      for (int i = 0; i < perSecond; i++) {
        w.add(fromMillis + s * 1000L + (i + 1) * (1000L / perSecond), 100, 20, 10, false);
      }
    }
  }

  @Test
  void theFirstSnapshotAfterAFewSecondsReportsTheKnownRate() {
    RollingWindow w = new RollingWindow(START);
    feed(w, START, 5, 4);

    JsonObject first = w.summary(START + 5_000);

    assertThat(first.getInteger("requests")).isEqualTo(20);
    assertThat(first.getDouble("requests_per_second")).as("4 req/s over the 5 s covered so far, not over 30 s")
        .isCloseTo(4.0, within(0.4));
    assertThat(first.getDouble("tokens_per_second")).isCloseTo(40.0, within(4.0));
  }

  @Test
  void aSteadyRateReadsTheSameBeforeAndAfterTheWindowIsFull() {
    RollingWindow w = new RollingWindow(START);
    feed(w, START, 90, 4);

    for (long at : new long[] {START + 1_000, START + 12_000, START + 29_000, START + 45_000, START + 90_000}) {
      assertThat(w.summary(at).getDouble("requests_per_second")).as("rate at +%d ms", at - START)
          .isCloseTo(4.0, within(0.4));
    }
  }

  @Test
  void aBusyProviderFillingTheRingIsRatedOverWhatTheRingCovers() {
    RollingWindow w = new RollingWindow(START - 60_000);
    // 500 req/s for 20 s: 10,000 requests, more than the ring holds; it covers the last ~8 s.
    feed(w, START, 20, 500);

    JsonObject s = w.summary(START + 20_000);

    assertThat(s.getInteger("requests")).isEqualTo(RollingWindow.CAPACITY);
    assertThat(s.getDouble("requests_per_second")).isCloseTo(500.0, within(50.0));
  }

  @Test
  void anIdleProviderReadsZeroAndOldSamplesAgeOut() {
    RollingWindow w = new RollingWindow(START);
    assertThat(w.summary(START).getDouble("requests_per_second")).isZero();
    assertThat(w.summary(START).getLong("latency_p50_ms")).isNull();
    feed(w, START, 10, 2);

    JsonObject later = w.summary(START + 10_000 + RollingWindow.SPAN_MILLIS);

    assertThat(later.getInteger("requests")).isZero();
    assertThat(later.getDouble("requests_per_second")).isZero();
  }
}
