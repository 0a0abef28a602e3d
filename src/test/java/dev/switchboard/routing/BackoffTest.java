package dev.switchboard.routing;

import dev.switchboard.config.RetryConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
  private static final RetryConfig RETRY =
      new RetryConfig(3, Duration.ofMillis(100), Duration.ofMillis(1_000), Duration.ofSeconds(5), false);

  /** Jitter at both ends of its range: half the step fixed, half random, capped at backoff_max. */
  @ParameterizedTest(name = "retry {0}, jitter {1}: {2} ms")
  @CsvSource({
      // retriesSoFar, jitter (min|max), expected delay
      "0, min, 50",
      "0, max, 100",
      "1, min, 100",
      "1, max, 200",
      "2, min, 200",
      "2, max, 400",
      "3, max, 800",
      "4, min, 500",
      "4, max, 1000",
      "60, max, 1000",
  })
  void jitteredExponentialStepsAreCappedAtTheMaximum(int retriesSoFar, String jitter, long expected) {
    Backoff.Jitter source = "min".equals(jitter) ? bound -> 0 : bound -> bound - 1;

    assertThat(new Backoff(RETRY, source).delayMillis(retriesSoFar, -1)).isEqualTo(expected);
  }

  @Test
  void aProvidersOwnHintWinsOverTheStepAndDrawsNoJitter() {
    Backoff backoff = new Backoff(RETRY, bound -> {
      throw new AssertionError("no jitter for a hinted wait");
    });

    assertThat(backoff.delayMillis(0, 400)).isEqualTo(400);
    assertThat(backoff.delayMillis(2, 0)).as("a hint of 0 is a hint: retry now").isZero();
  }

  @Test
  void waitsUpToMaxRetryAfterAreWorthSpendingOnTheSameProvider() {
    Backoff backoff = new Backoff(RETRY, Backoff.Jitter.RANDOM);

    assertThat(backoff.worthWaiting(5_000)).isTrue();
    assertThat(backoff.worthWaiting(5_001)).isFalse();
    assertThat(backoff.shortWait(-1)).as("unknown is not short").isFalse();
    assertThat(backoff.shortWait(0)).isTrue();
    assertThat(backoff.shortWait(5_001)).isFalse();
  }
}
