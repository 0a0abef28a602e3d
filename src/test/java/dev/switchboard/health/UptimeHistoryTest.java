package dev.switchboard.health;

import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Uptime from transitions on a moved clock: known time only, clipped to each period. */
class UptimeHistoryTest {
  private final FakeClock clock = new FakeClock();
  private final UptimeHistory history = new UptimeHistory(clock);

  private void at(String state) {
    history.record("p", clock.millis(), state);
  }

  @Test
  void upTimeOverKnownTimeClippedToThePeriod() {
    assertThat(history.uptime("p", Duration.ofHours(24))).as("nothing known").isEqualTo(-1);
    at("healthy");
    clock.advance(Duration.ofHours(3));
    at("down");
    clock.advance(Duration.ofHours(1));
    at("maintenance");
    clock.advance(Duration.ofHours(5));
    at("degraded");
    clock.advance(Duration.ofHours(4));
    // 3 h + 4 h up, 1 h down, 5 h maintenance not counted.
    assertThat(history.uptime("p", Duration.ofHours(24))).isCloseTo(7.0 / 8, within(1e-9));
    // The last 6 h: 2 h of the maintenance (not counted), then 4 h degraded: up.
    assertThat(history.uptime("p", Duration.ofHours(6))).isEqualTo(1.0);

    clock.advance(Duration.ofHours(20));
    at("unknown");
    clock.advance(Duration.ofDays(2));
    // Nothing is known since the unknown mark 2 days ago.
    assertThat(history.uptime("p", Duration.ofHours(24))).isEqualTo(-1);
    assertThat(history.uptime("p", Duration.ofDays(7))).as("3 + 4 + 20 h up, 1 h down").isCloseTo(27.0 / 28, within(1e-9));
    assertThat(history.describe(java.util.List.of("p")).getJsonObject("providers").getJsonObject("p")
        .getDouble("7d")).isEqualTo(96.429);
  }
}
