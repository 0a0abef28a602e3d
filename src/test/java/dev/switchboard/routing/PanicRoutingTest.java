package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Panic routing (Envoy's panic threshold): when every candidate of a route is refused by its circuit alone, the
 * request tries them anyway in score order instead of being refused; the circuits keep judging by their own trials.
 * A refusal that must hold (a suspension after refused credentials) is never overridden.
 */
class PanicRoutingTest extends RoutingTestBase {
  private static final String NO_RETRY = "{per_provider: 0, backoff_base: 5ms, backoff_max: 20ms}";
  private static final String CIRCUIT = "{failure_threshold: 2, min_requests: 1000, open_for: 1s, max_open_for: 4s, "
      + "half_open_requests: 1}";
  private final FakeClock clock = new FakeClock();
  private final List<JsonObject> panics = new CopyOnWriteArrayList<>();

  private void startAndOpenBoth() throws Exception {
    gateway = GatewayUnderTest.start(routing("priority", NO_RETRY, CIRCUIT, "") + twoProviders(),
        new Clocks(clock, clock));
    gateway.switchboard().vertx().eventBus().<JsonObject>consumer(FailoverChain.PANIC_ADDRESS,
        m -> panics.add(m.body())).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    a.error("/chat/completions", 503, "server_error", null, "unavailable");
    b.error("/chat/completions", 503, "server_error", null, "unavailable");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> resp = chat("m1");
      assertThat(resp.statusCode()).isEqualTo(503);
      assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,b:503");
    }
    await().atMost(30, TimeUnit.SECONDS).until(() -> guard("a").circuit().phase() == CircuitBreaker.Phase.OPEN
        && guard("b").circuit().phase() == CircuitBreaker.Phase.OPEN);
    a.chatJson("from a");
    b.chatJson("from b");
  }

  private double panicCount() {
    Counter c = gateway.switchboard().services().prometheus().find("switchboard_panic_routing").counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void everyCircuitOpenTriesThemAnywayInOrderAndTheBreakersStillCloseByTheirTrials() throws Exception {
    startAndOpenBoth();

    HttpResponse<String> resp = chat("m1");
    assertThat(resp.statusCode()).as("served in panic mode, not refused: %s", resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("a");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:200");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=a,b; panic");
    assertThat(panicCount()).isEqualTo(1);
    await().atMost(30, TimeUnit.SECONDS).until(() -> panics.size() == 1);
    assertThat(panics.get(0).getString("model")).isEqualTo("m1");
    assertThat(panics.get(0).getJsonArray("refused").encode()).contains("a: circuit open", "b: circuit open");
    assertThat(gateway.get("/metrics").body()).containsPattern("switchboard_panic_routing_total\\{[^}]*} 1\\.0");
    // A panic success is not a trial: the circuit stays open until open_for is over.
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);

    clock.advanceMillis(1_000);
    // open_for is over: a's trial goes through the breaker as usual and its success closes the circuit.
    resp = chat("m1");
    assertThat(servedBy(resp)).isEqualTo("a");
    assertThat(header(resp, "x-switchboard-route")).doesNotContain("panic");
    await().atMost(30, TimeUnit.SECONDS).until(() -> guard("a").circuit().phase() == CircuitBreaker.Phase.CLOSED);
    assertThat(panicCount()).isEqualTo(1);
  }

  @Test
  void aPanicAttemptThatFailsMovesOnToTheNextCandidate() throws Exception {
    startAndOpenBoth();
    a.error("/chat/completions", 503, "server_error", null, "still down");

    HttpResponse<String> resp = chat("m1");
    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,b:200");
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
  }

  @Test
  void aSuspendedProviderIsNotTriedInPanic() throws Exception {
    startAndOpenBoth();
    guard("a").suspend("credentials refused by the provider (HTTP 401)");

    HttpResponse<String> resp = chat("m1");
    assertThat(resp.statusCode()).as("a refusal that must hold keeps panic off").isEqualTo(503);
    assertThat(error(resp).getString("code")).isEqualTo("no_provider_available");
    assertThat(received(a) + received(b)).as("nobody tried").isEqualTo(4);
    assertThat(panicCount()).isZero();
  }
}
