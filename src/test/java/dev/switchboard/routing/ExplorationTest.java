package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.GatewayUnderTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Providers without statistics are not starved by ones that have them: under the score strategy a share of requests
 * (routing.explore) goes to a candidate other than the best, so a new provider gets measured. Exploration belongs to
 * the score strategy only; a provider coming back from an open circuit is re-admitted gradually (slow_start).
 */
class ExplorationTest extends RoutingTestBase {
  private static final String RETRY = "{per_provider: 0, backoff_base: 5ms, backoff_max: 20ms}";
  private static final String CIRCUIT = "{failure_threshold: 3, min_requests: 1000, open_for: 300ms, "
      + "half_open_requests: 1}";

  @Test
  void anUnmeasuredProviderGetsTrafficNextToAWellMeasuredOne() throws Exception {
    startC();
    start(routing("score", RETRY, CIRCUIT, "  explore: 0.2\n") + "providers:\n" + provider("a", a, "m1", "")
        + provider("b", b, "m1", "") + provider("c", c, "m1", ""));
    servedBy(50, "m1", "x-switchboard-provider", "a");
    assertThat(stats("a").requests()).isEqualTo(50);
    assertThat(stats("b").requests()).isZero();
    assertThat(stats("c").requests()).isZero();

    List<String> served = servedBy(150, "m1");

    // With only the newcomers explored, each gets about 10% (15 requests); fewer than 3 is ~1 in 5000.
    assertThat(count(served, "b")).as("b, new").isGreaterThanOrEqualTo(3);
    assertThat(count(served, "c")).as("c, new").isGreaterThanOrEqualTo(3);
    assertThat(received(b)).isPositive();
    assertThat(received(c)).isPositive();
  }

  @Test
  void explorationIsOnlyForTheScoreStrategyAndNeverOverridesAPin() throws Exception {
    start(routing("priority", RETRY, CIRCUIT, "  explore: 0.5\n") + twoProviders());

    assertThat(servedBy(60, "m1")).as("priority").containsOnly("a");
    assertThat(servedBy(40, "m1", "x-switchboard-strategy", "score", "x-switchboard-provider", "prefer:b"))
        .as("score with a preference").containsOnly("b");
    assertThat(count(servedBy(60, "m1", "x-switchboard-strategy", "score"), "b")).as("score")
        .isBetween(10L, 50L);
  }

  @Test
  void aRecoveredProviderIsReadmittedGradually() throws Exception {
    FakeClock clock = new FakeClock();
    gateway = GatewayUnderTest.start(routing("round-robin", RETRY, CIRCUIT, "  slow_start: 5s\n") + twoProviders(),
        new Clocks(clock, clock));
    a.error("/chat/completions", 503, "server_error", null, "down");
    servedBy(6, "m1");
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);

    a.chatJson("from a");
    clock.advanceMillis(300);
    // The trial request that closes the circuit starts the ramp; round-robin gives a its turn within two requests.
    assertThat(List.of(servedBy(chat("m1")), servedBy(chat("m1")))).contains("a");
    await().atMost(30, TimeUnit.SECONDS).until(() -> guard("a").circuit().phase() == CircuitBreaker.Phase.CLOSED);

    List<String> served = servedBy(20, "m1");

    // Round-robin alone would give a every other request (10); early in its ramp a gets ~10-15% of its turns.
    assertThat(count(served, "a")).as("requests a served right after it came back").isLessThanOrEqualTo(5);
    assertThat(guard("a").rampShare(clock.nanos())).as("the ramp has not moved: no time passed").isEqualTo(0.1);
  }
}
