package dev.switchboard.health;

import dev.switchboard.config.HealthConfig;
import dev.switchboard.health.ProviderHealth.State;
import dev.switchboard.health.ProviderHealth.Transition;
import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The health state machine on its own: confirmation counts, staleness, sticky and passive downs, maintenance. */
class ProviderHealthTest {
  /** down_after 3, recover_after 2. */
  private static final HealthConfig CONFIG = new HealthConfig(true, Duration.ofSeconds(30), Duration.ofSeconds(5),
      0.2, Duration.ofSeconds(5), 3, 2, Duration.ofSeconds(10), 0.25, Duration.ofSeconds(100), "any");
  private static final String QUOTA = "quota or credit exhausted (HTTP 429)";

  private final FakeClock clock = new FakeClock();
  private final List<Transition> transitions = new CopyOnWriteArrayList<>();
  private final ProviderHealth health = new ProviderHealth("p", CONFIG, 60_000, clock, transitions::add);

  private ProviderHealth withStaleAfter(long millis, Consumer<Transition> listener) {
    return new ProviderHealth("p", CONFIG, millis, clock, listener);
  }

  private void healthy() {
    health.probeSucceeded(10, null);
    assertThat(health.state()).isEqualTo(State.HEALTHY);
  }

  private void downByProbes() {
    health.probeFailed(5, "probe answered HTTP 503");
    health.probeFailed(5, "probe answered HTTP 503");
    health.probeFailed(5, "probe answered HTTP 503");
    assertThat(health.state()).isEqualTo(State.DOWN);
  }

  private List<String> path() {
    return transitions.stream().map(t -> t.from().label() + "->" + t.to().label()).toList();
  }

  @Test
  void startsUnknownAndRoutable() {
    assertThat(health.state()).isEqualTo(State.UNKNOWN);
    assertThat(health.reason()).isEqualTo("not probed yet");
    assertThat(health.refusesTraffic()).isFalse();
    assertThat(health.snapshot().lastProbeMillis()).isZero();
    assertThat(transitions).isEmpty();
  }

  @Test
  void oneGoodProbeVouchesForAnUnknownProvider() {
    health.probeSucceeded(12, null);

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(health.reason()).isEqualTo("probe ok (12 ms)");
    ProviderHealth.Snapshot s = health.snapshot();
    assertThat(s.lastProbeLatencyMillis()).isEqualTo(12);
    assertThat(s.lastProbeOkMillis()).isPositive().isEqualTo(s.lastProbeMillis());
    assertThat(s.lastProbeError()).isNull();
    assertThat(transitions).singleElement().isEqualTo(new Transition("p", State.UNKNOWN, State.HEALTHY,
        "probe ok (12 ms)"));
  }

  @Test
  void goesDownOnlyAfterDownAfterConsecutiveFailures() {
    healthy();

    health.probeFailed(5, "probe answered HTTP 502");
    health.probeFailed(5, "probe timed out after 5000 ms");
    assertThat(health.state()).as("two failures of three").isEqualTo(State.HEALTHY);
    assertThat(health.refusesTraffic()).isFalse();
    assertThat(health.snapshot().failures()).isEqualTo(2);
    assertThat(health.snapshot().lastProbeError()).isEqualTo("probe timed out after 5000 ms");

    health.probeFailed(7, "probe failed: Connection refused");

    assertThat(health.state()).isEqualTo(State.DOWN);
    assertThat(health.reason()).isEqualTo("probe failed: Connection refused");
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.snapshot().passive()).isFalse();
    assertThat(health.snapshot().sticky()).isFalse();
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down");
    assertThat(transitions.get(1).reason()).isEqualTo("probe failed: Connection refused");
  }

  @Test
  void oneBlipDoesNotFlap() {
    healthy();

    for (int round = 0; round < 5; round++) {
      health.probeFailed(5, "probe answered HTTP 503");
      health.probeFailed(5, "probe answered HTTP 503");
      health.probeSucceeded(10, null);
    }

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(health.snapshot().failures()).isZero();
    assertThat(path()).containsExactly("unknown->healthy");
  }

  @Test
  void comesBackOnlyAfterRecoverAfterConsecutiveSuccesses() {
    healthy();
    downByProbes();

    health.probeSucceeded(10, null);
    assertThat(health.state()).as("one success of two").isEqualTo(State.DOWN);
    assertThat(health.refusesTraffic()).isTrue();

    health.probeFailed(5, "probe answered HTTP 500");
    health.probeSucceeded(10, null);
    assertThat(health.state()).as("a failure in between resets the run").isEqualTo(State.DOWN);
    assertThat(health.reason()).as("a non-sticky down tells the latest error").isEqualTo("probe answered HTTP 500");

    health.probeSucceeded(10, null);

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(health.reason()).isEqualTo("2 successful probes");
    assertThat(health.refusesTraffic()).isFalse();
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down", "down->healthy");
  }

  @Test
  void aSlowProbeMarksDegradedAndAFastOneHealthyAgain() {
    healthy();

    health.probeSucceeded(12_000, "slow: probe took 12000 ms (limit 10000 ms)");

    assertThat(health.state()).isEqualTo(State.DEGRADED);
    assertThat(health.state().routable()).isTrue();
    assertThat(health.refusesTraffic()).isFalse();
    assertThat(health.reason()).isEqualTo("slow: probe took 12000 ms (limit 10000 ms)");

    health.probeSucceeded(15, null);

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(path()).containsExactly("unknown->healthy", "healthy->degraded", "degraded->healthy");
  }

  @Test
  void aDownProviderRecoveringSlowlyComesBackDegraded() {
    healthy();
    downByProbes();

    health.probeSucceeded(12_000, "slow");
    health.probeSucceeded(12_000, "slow");

    assertThat(health.state()).isEqualTo(State.DEGRADED);
    assertThat(path()).endsWith("down->degraded");
  }

  @Test
  void aProviderNotProbedSuccessfullyForTooLongIsUnknown() {
    List<Transition> seen = new CopyOnWriteArrayList<>();
    ProviderHealth h = withStaleAfter(150, seen::add);
    h.probeSucceeded(10, null);
    assertThat(h.state()).isEqualTo(State.HEALTHY);

    clock.advanceMillis(150);
    assertThat(h.state()).as("not older than stale_after yet").isEqualTo(State.HEALTHY);
    clock.advanceMillis(1);
    assertThat(h.state()).isEqualTo(State.UNKNOWN);

    assertThat(h.reason()).contains("stale");
    assertThat(h.snapshot().state()).as("the stored state is kept; only the reading ages").isEqualTo(State.HEALTHY);
    assertThat(h.refusesTraffic()).as("unknown is still routable").isFalse();

    h.probeSucceeded(10, null);
    assertThat(h.state()).isEqualTo(State.HEALTHY);
    assertThat(h.reason()).doesNotContain("stale");

    // Staleness only ages a good state: a down provider stays down.
    clock.advanceMillis(151);
    assertThat(h.state()).isEqualTo(State.UNKNOWN);
    h.markDown(QUOTA, true);
    assertThat(h.state()).isEqualTo(State.DOWN);
    assertThat(h.reason()).isEqualTo(QUOTA);
  }

  @Test
  void aDegradedProviderAlsoGoesStale() {
    ProviderHealth h = withStaleAfter(150, t -> { });
    h.probeSucceeded(12_000, "slow");
    assertThat(h.state()).isEqualTo(State.DEGRADED);

    clock.advanceMillis(151);
    assertThat(h.state()).isEqualTo(State.UNKNOWN);
  }

  @Test
  void aSpentQuotaIsDownAtOnceAndOnlySuccessfulProbesClearIt() {
    healthy();

    health.markDown(QUOTA, true);

    assertThat(health.state()).as("no confirmation needed").isEqualTo(State.DOWN);
    assertThat(health.reason()).isEqualTo(QUOTA);
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.snapshot().sticky()).isTrue();
    assertThat(health.snapshot().lastProbeError()).isEqualTo(QUOTA);

    health.probeFailed(5, "probe answered HTTP 503");
    assertThat(health.reason()).as("a flaky probe does not hide why it is down").isEqualTo(QUOTA);
    assertThat(health.snapshot().sticky()).isTrue();

    health.circuitOpened("5 consecutive failures");
    health.circuitClosed();
    assertThat(health.state()).as("live traffic recovering does not refill a quota").isEqualTo(State.DOWN);
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.reason()).isEqualTo(QUOTA);

    health.probeSucceeded(10, null);
    assertThat(health.state()).isEqualTo(State.DOWN);
    health.probeSucceeded(10, null);

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(health.snapshot().sticky()).isFalse();
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down", "down->healthy");
    assertThat(transitions.get(1).reason()).isEqualTo(QUOTA);
  }

  @Test
  void refusedCredentialsFromLiveTrafficAreStickyToo() {
    healthy();
    long lastProbe = health.snapshot().lastProbeMillis();

    health.markDown("credentials refused (HTTP 401)", false, true);

    assertThat(health.state()).isEqualTo(State.DOWN);
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.snapshot().sticky()).isTrue();
    assertThat(health.snapshot().lastProbeMillis()).as("not a probe").isEqualTo(lastProbe);
    assertThat(health.snapshot().lastProbeError()).isNull();

    health.circuitClosed();
    assertThat(health.state()).isEqualTo(State.DOWN);

    // A key that may list models but not chat: models listings answering prove nothing about it.
    for (int i = 0; i < 5; i++) {
      health.probeSucceeded(10, null);
    }
    assertThat(health.state()).as("a models listing does not clear refused credentials").isEqualTo(State.DOWN);
    assertThat(health.reason()).isEqualTo("credentials refused (HTTP 401)");
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.snapshot().lastProbeError()).as("the probe itself was fine").isNull();

    health.probeSucceeded(10, null, true);
    assertThat(health.state()).isEqualTo(State.DOWN);
    health.probeSucceeded(10, null, true);
    assertThat(health.state()).as("recover_after completion probes").isEqualTo(State.HEALTHY);
    assertThat(health.snapshot().needsTrafficProbe()).isFalse();
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down", "down->healthy");
  }

  @Test
  void maintenanceHoldsWhateverProbesAndTrafficSayUntilEnabled() {
    healthy();

    health.maintenance("maintenance: db upgrade");
    assertThat(health.state()).isEqualTo(State.MAINTENANCE);
    assertThat(health.refusesTraffic()).isTrue();

    for (int i = 0; i < 5; i++) {
      health.probeSucceeded(10, null);
    }
    for (int i = 0; i < 5; i++) {
      health.probeFailed(5, "probe answered HTTP 503");
    }
    health.markDown(QUOTA, true);
    health.circuitOpened("5 consecutive failures");
    health.circuitClosed();

    assertThat(health.state()).isEqualTo(State.MAINTENANCE);
    assertThat(health.reason()).isEqualTo("maintenance: db upgrade");
    assertThat(health.refusesTraffic()).isTrue();
    assertThat(health.snapshot().lastProbeError()).as("probes still report").isEqualTo("probe answered HTTP 503");

    health.enable("re-enabled by an admin");

    assertThat(health.state()).as("nobody vouches for it yet").isEqualTo(State.UNKNOWN);
    assertThat(health.reason()).isEqualTo("re-enabled by an admin");
    assertThat(health.refusesTraffic()).isFalse();
    assertThat(health.snapshot().failures()).isZero();

    health.probeSucceeded(10, null);
    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(path()).containsExactly("unknown->healthy", "healthy->maintenance", "maintenance->unknown",
        "unknown->healthy");
  }

  @Test
  void enableLiftsAStickyDown() {
    health.markDown("credentials refused (HTTP 401)", false);

    health.enable("re-enabled by an admin");

    assertThat(health.state()).isEqualTo(State.UNKNOWN);
    assertThat(health.snapshot().sticky()).isFalse();
    assertThat(health.refusesTraffic()).isFalse();
  }

  @Test
  void anOpenCircuitMarksDownAtOnceButLeavesTheTrialsToTheBreaker() {
    healthy();

    health.circuitOpened("5 consecutive failures (last: 503)");

    assertThat(health.state()).as("no down_after confirmation for live traffic").isEqualTo(State.DOWN);
    assertThat(health.reason()).isEqualTo("failing live traffic: 5 consecutive failures (last: 503)");
    assertThat(health.snapshot().passive()).isTrue();
    assertThat(health.refusesTraffic()).as("the breaker already refuses it and lets its trials through").isFalse();
    assertThat(health.snapshot().lastProbeMillis()).as("not a probe").isEqualTo(health.snapshot().lastProbeOkMillis());

    health.circuitClosed();

    assertThat(health.state()).isEqualTo(State.HEALTHY);
    assertThat(health.reason()).contains("circuit closed");
    assertThat(health.snapshot().passive()).isFalse();
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down", "down->healthy");
  }

  @Test
  void aFailedProbeConfirmsAPassiveDown() {
    healthy();
    health.circuitOpened("5 consecutive failures");

    health.probeFailed(5, "probe answered HTTP 503");

    assertThat(health.state()).isEqualTo(State.DOWN);
    assertThat(health.snapshot().passive()).isFalse();
    assertThat(health.refusesTraffic()).isTrue();

    health.circuitClosed();
    assertThat(health.state()).as("probes say down; only probes bring it back").isEqualTo(State.DOWN);

    health.probeSucceeded(10, null);
    health.probeSucceeded(10, null);
    assertThat(health.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aPassiveDownStaysPassiveWhileProbesRecover() {
    healthy();
    health.circuitOpened("5 consecutive failures");

    health.probeSucceeded(10, null);

    assertThat(health.state()).isEqualTo(State.DOWN);
    assertThat(health.snapshot().passive()).isTrue();
    assertThat(health.refusesTraffic()).isFalse();

    health.probeSucceeded(10, null);
    assertThat(health.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aClosingCircuitDoesNotRecoverAProbeConfirmedDown() {
    healthy();
    downByProbes();

    health.circuitClosed();

    assertThat(health.state()).isEqualTo(State.DOWN);
    assertThat(path()).containsExactly("unknown->healthy", "healthy->down");
  }

  @Test
  void repeatedSignalsInTheSameStateAreNotTransitions() {
    healthy();
    health.probeSucceeded(10, null);
    health.probeSucceeded(11, null);
    downByProbes();
    health.probeFailed(5, "probe answered HTTP 503");
    health.markDown(QUOTA, true);
    health.circuitOpened("again");
    health.maintenance("maintenance (set by an admin)");
    health.maintenance("maintenance: another reason");

    assertThat(path()).containsExactly("unknown->healthy", "healthy->down", "down->maintenance");
  }

  @Test
  void aReloadedDownAfterJudgesTheNextFailureWithTheCountSoFar() {
    java.util.concurrent.atomic.AtomicReference<HealthConfig> live = new java.util.concurrent.atomic.AtomicReference<>(
        CONFIG);
    ProviderHealth reloadable = new ProviderHealth("p", live::get, 60_000, clock, transitions::add);
    reloadable.probeFailed(5, "probe answered HTTP 503");
    reloadable.probeFailed(5, "probe answered HTTP 503");
    assertThat(reloadable.state()).as("two of three").isNotEqualTo(State.DOWN);

    live.set(new HealthConfig(true, Duration.ofSeconds(30), Duration.ofSeconds(5), 0.2, Duration.ofSeconds(5), 10, 2,
        Duration.ofSeconds(10), 0.25, Duration.ofSeconds(100), "any"));
    reloadable.probeFailed(5, "probe answered HTTP 503");

    assertThat(reloadable.state()).as("down_after is 10 now; the count carried over").isNotEqualTo(State.DOWN);
    assertThat(reloadable.snapshot().failures()).isEqualTo(3);
  }
}
