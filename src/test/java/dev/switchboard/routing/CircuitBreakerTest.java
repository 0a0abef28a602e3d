package dev.switchboard.routing;

import dev.switchboard.config.CircuitConfig;
import dev.switchboard.provider.ProviderStats;
import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {
  private static final long MS = 1_000_000;
  private final CircuitConfig config =
      new CircuitConfig(3, 0.5, 10, Duration.ofMillis(100), Duration.ofMillis(350), 2);
  private final FakeClock clock = new FakeClock();
  private final ProviderStats stats = new ProviderStats(Duration.ofSeconds(60), clock, clock);
  private final List<CircuitBreaker.Transition> transitions = new ArrayList<>();
  private final CircuitBreaker circuit = new CircuitBreaker("p", config, stats, clock, transitions::add);

  /** An ordinary attempt (taken while closed) that failed. */
  private void fail(long now) {
    fail(CircuitBreaker.NORMAL, now);
  }

  private void fail(long permit, long now) {
    stats.started();
    stats.failed();
    circuit.onFailure(permit, "503", now);
  }

  private void succeed() {
    succeed(CircuitBreaker.NORMAL);
  }

  private void succeed(long permit) {
    stats.started();
    stats.succeeded(MS);
    circuit.onSuccess(permit);
  }

  @Test
  void opensAfterConsecutiveFailuresOnly() {
    fail(0);
    fail(0);
    succeed();
    fail(0);
    fail(0);
    assertThat(circuit.phase()).as("a success in between resets the run").isEqualTo(CircuitBreaker.Phase.CLOSED);
    fail(0);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(transitions).singleElement().satisfies(t -> {
      assertThat(t.to()).isEqualTo(CircuitBreaker.Phase.OPEN);
      assertThat(t.reason()).contains("3 consecutive failures");
    });
    assertThat(circuit.admits(50 * MS)).isFalse();
    assertThat(circuit.tryAcquire(50 * MS)).isFalse();
    assertThat(circuit.millisUntilTrial(50 * MS)).isEqualTo(50);
  }

  @Test
  void transitionTimesAreReadFromTheInjectedWallClock() {
    long created = clock.millis();
    assertThat(circuit.sinceMillis()).isEqualTo(created);
    clock.advanceSeconds(5);
    fail(0);
    fail(0);
    fail(0);
    assertThat(circuit.sinceMillis()).as("opened now").isEqualTo(created + 5_000);
    clock.advanceSeconds(1);
    circuit.reset("admin");
    assertThat(circuit.sinceMillis()).as("closed now").isEqualTo(created + 6_000);
  }

  @Test
  void opensOnErrorRateOverTheWindow() {
    for (int i = 0; i < 11; i++) {
      if (i % 2 == 0) {
        fail(0);
      } else {
        succeed();
      }
    }
    assertThat(circuit.phase()).as("11 attempts, 6 failed, never 3 in a row").isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(transitions.get(0).reason()).contains("error rate 55% over 11 attempts");
  }

  @Test
  void halfOpensAfterTheOpenPeriodLetsLimitedTrialsAndClosesOnTheirSuccess() {
    fail(0);
    fail(0);
    fail(0);
    assertThat(circuit.admits(100 * MS)).isTrue();
    long first = circuit.acquire(100 * MS);
    assertThat(first).isPositive();
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    long second = circuit.acquire(100 * MS);
    assertThat(second).isEqualTo(first);
    assertThat(circuit.tryAcquire(100 * MS)).as("only two trial slots").isFalse();
    assertThat(circuit.admits(100 * MS)).isFalse();

    succeed(first);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    succeed(second);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(transitions).extracting(CircuitBreaker.Transition::to).containsExactly(CircuitBreaker.Phase.OPEN,
        CircuitBreaker.Phase.HALF_OPEN, CircuitBreaker.Phase.CLOSED);
    assertThat(stats.window()[0]).as("the window starts afresh").isZero();
  }

  @Test
  void aFailedTrialReopensForTwiceAsLongUpToTheCap() {
    fail(0);
    fail(0);
    fail(0);
    fail(circuit.acquire(100 * MS), 100 * MS);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(circuit.millisUntilTrial(100 * MS)).isEqualTo(200);
    assertThat(circuit.tryAcquire(299 * MS)).isFalse();
    fail(circuit.acquire(300 * MS), 300 * MS);
    assertThat(circuit.millisUntilTrial(300 * MS)).as("400 capped at max_open_for").isEqualTo(350);
  }

  @Test
  void aNeutralOutcomeFreesItsTrialSlot() {
    fail(0);
    fail(0);
    fail(0);
    long trial = circuit.acquire(100 * MS);
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    assertThat(circuit.tryAcquire(100 * MS)).isFalse();
    circuit.onNeutral(trial);
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
  }

  @Test
  void resetClosesAnOpenCircuit() {
    fail(0);
    fail(0);
    fail(0);
    circuit.reset("admin re-enabled");
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(circuit.tryAcquire(1)).isTrue();
    assertThat(transitions.get(transitions.size() - 1).reason()).isEqualTo("admin re-enabled");
  }

  @Test
  void resultsOfAttemptsStartedWhileClosedDoNotCountForALaterHalfOpenPhase() {
    long longStream = circuit.acquire(0);
    assertThat(longStream).isEqualTo(CircuitBreaker.NORMAL);
    fail(0);
    fail(0);
    fail(0);
    long trial = circuit.acquire(100 * MS);
    assertThat(trial).isPositive();

    circuit.onNeutral(longStream);
    assertThat(circuit.tryAcquire(100 * MS)).as("the stream never held a trial slot, so none was freed").isTrue();
    assertThat(circuit.tryAcquire(100 * MS)).isFalse();
    fail(longStream, 100 * MS);
    assertThat(circuit.phase()).as("a stale failure does not reopen the circuit").isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    succeed(longStream);
    assertThat(circuit.phase()).as("nor does a stale success close it").isEqualTo(CircuitBreaker.Phase.HALF_OPEN);

    long next = circuit.acquire(200 * MS);
    assertThat(next).isEqualTo(CircuitBreaker.DENIED);
    succeed(trial);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
  }

  @Test
  void resetForgetsTheRunOfFailuresEvenWhileClosed() {
    fail(0);
    fail(0);
    circuit.reset("re-enabled by an admin");
    fail(0);
    assertThat(circuit.phase()).as("one failure after the reset, not the third in a row")
        .isEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(stats.consecutiveFailures()).isEqualTo(1);
    assertThat(transitions).isEmpty();
  }
}
