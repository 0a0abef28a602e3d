package dev.switchboard.routing;

import dev.switchboard.config.CircuitConfig;
import dev.switchboard.provider.ProviderStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {
  private static final long MS = 1_000_000;
  private final CircuitConfig config =
      new CircuitConfig(3, 0.5, 10, Duration.ofMillis(100), Duration.ofMillis(350), 2);
  private final ProviderStats stats = new ProviderStats(Duration.ofSeconds(60));
  private final List<CircuitBreaker.Transition> transitions = new ArrayList<>();
  private final CircuitBreaker circuit = new CircuitBreaker("p", config, stats, transitions::add);

  private void fail(long now) {
    stats.started();
    stats.failed();
    circuit.onFailure("503", now);
  }

  private void succeed() {
    stats.started();
    stats.succeeded(MS);
    circuit.onSuccess();
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
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    assertThat(circuit.tryAcquire(100 * MS)).as("only two trial slots").isFalse();
    assertThat(circuit.admits(100 * MS)).isFalse();

    succeed();
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    succeed();
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
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    fail(100 * MS);
    assertThat(circuit.phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(circuit.millisUntilTrial(100 * MS)).isEqualTo(200);
    assertThat(circuit.tryAcquire(299 * MS)).isFalse();
    assertThat(circuit.tryAcquire(300 * MS)).isTrue();
    fail(300 * MS);
    assertThat(circuit.millisUntilTrial(300 * MS)).as("400 capped at max_open_for").isEqualTo(350);
  }

  @Test
  void aNeutralOutcomeFreesItsTrialSlot() {
    fail(0);
    fail(0);
    fail(0);
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    assertThat(circuit.tryAcquire(100 * MS)).isTrue();
    assertThat(circuit.tryAcquire(100 * MS)).isFalse();
    circuit.onNeutral();
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
}
