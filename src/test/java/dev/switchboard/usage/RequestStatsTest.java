package dev.switchboard.usage;

import dev.switchboard.api.ServiceType;
import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The statistics' arithmetic on a moved clock: the rolling window, the reset, p95 from the histogram. */
class RequestStatsTest {
  private final FakeClock clock = new FakeClock();
  private final RequestStats stats = new RequestStats(Duration.ofHours(1), new Clocks(clock, clock));

  private JsonObject overall(String view) {
    return stats.describe().getJsonObject(view).getJsonObject("overall");
  }

  @Test
  void countsSuccessesFailoversLatencyAndCost() {
    stats.record(ServiceType.TEXT, "b", List.of("a"), true, 100, 0.5);
    stats.record(ServiceType.TEXT, "b", List.of(), true, 300, 0.25);
    stats.record(ServiceType.IMAGE, "a", List.of(), false, 20, 0);

    JsonObject all = overall("window");
    assertThat(all.getLong("requests")).isEqualTo(3);
    assertThat(all.getLong("successes")).isEqualTo(2);
    assertThat(all.getDouble("success_rate")).isEqualTo(0.6667);
    assertThat(all.getLong("failovers")).isEqualTo(1);
    assertThat(all.getDouble("latency_avg_ms")).isEqualTo(140.0);
    assertThat(all.getDouble("cost")).isEqualTo(0.75);
    JsonObject window = stats.describe().getJsonObject("window");
    JsonObject a = window.getJsonObject("providers").getJsonObject("a");
    assertThat(a.getLong("requests")).isEqualTo(1);
    assertThat(a.getLong("failovers")).as("moved on from once").isEqualTo(1);
    assertThat(window.getJsonObject("services").getJsonObject("image").getLong("requests")).isEqualTo(1);
    assertThat(window.getJsonObject("services").getJsonObject("text").getDouble("cost")).isEqualTo(0.75);
    assertThat(window.getLong("duration_ms")).isEqualTo(3_600_000);
  }

  @Test
  void p95IsWithinOneBucketOfTheTrueOne() {
    for (int ms = 1; ms <= 1000; ms++) {
      stats.record(ServiceType.TEXT, "a", List.of(), true, ms, 0);
    }
    assertThat(overall("window").getDouble("latency_p95_ms")).isCloseTo(950, within(950 * 0.1));
  }

  @Test
  void theWindowRollsAndTheResetStartsAgain() {
    stats.record(ServiceType.TEXT, "a", List.of(), true, 10, 0.1);
    clock.advance(Duration.ofMinutes(30));
    stats.record(ServiceType.TEXT, "a", List.of(), true, 10, 0.1);
    assertThat(overall("window").getLong("requests")).isEqualTo(2);

    clock.advance(Duration.ofMinutes(31));
    assertThat(overall("window").getLong("requests")).as("the first left the hour").isEqualTo(1);
    assertThat(overall("since_reset").getLong("requests")).isEqualTo(2);

    stats.reset();
    assertThat(overall("since_reset").getLong("requests")).isZero();
    assertThat(overall("since_reset").getValue("success_rate")).isNull();
    assertThat(overall("window").getLong("requests")).as("the window keeps rolling").isEqualTo(1);
    assertThat(stats.describe().getJsonObject("since_reset").getString("reset_at"))
        .isEqualTo(clock.instant().toString());
    stats.record(ServiceType.TEXT, "a", List.of(), true, 10, 0.1);
    assertThat(overall("since_reset").getLong("requests")).isEqualTo(1);

    clock.advance(Duration.ofHours(5));
    assertThat(overall("window").getLong("requests")).isZero();
    assertThat(stats.providerWindow("a").requests()).isZero();
    assertThat(overall("since_reset").getLong("requests")).isEqualTo(1);
  }

  @Test
  void theLatencyBucketTableAgreesWithTheLogarithmAtEveryMillisecondItCoversAndBeyond() {
    for (long millis = -3; millis < 10_000; millis++) {
      assertThat(StatsCell.bucket(millis)).as("%d ms", millis).isEqualTo(StatsCell.computeBucket(millis));
    }
    for (long millis : new long[] {65_536, 1_000_000, 1L << 30, Long.MAX_VALUE}) {
      assertThat(StatsCell.bucket(millis)).as("%d ms", millis).isEqualTo(StatsCell.computeBucket(millis));
    }
  }
}
