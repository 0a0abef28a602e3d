package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The primary's circuit breaker through the gateway: it opens after consecutive failures (or a high error rate),
 * keeps traffic off the provider while open, lets trial requests through after open_for, closes when they succeed
 * (priority then returns to the primary) and reopens for longer when they fail. Every transition is published on the
 * event bus and counted in switchboard_circuit_transitions_total. Retries are off (per_provider: 0), so each request
 * makes exactly one attempt at a.
 */
class CircuitTest extends RoutingTestBase {
  private static final String NO_RETRY = "{per_provider: 0, backoff_base: 5ms, backoff_max: 20ms}";
  private final List<JsonObject> transitions = new CopyOnWriteArrayList<>();
  /** The gateway's time: open_for passes when the test moves it. */
  private final FakeClock clock = new FakeClock();

  private void startWithCircuit(String circuit) throws Exception {
    gateway = GatewayUnderTest.start(routing("priority", NO_RETRY, circuit, "") + twoProviders(),
        new Clocks(clock, clock));
    MessageConsumer<JsonObject> consumer = gateway.switchboard().vertx().eventBus()
        .consumer(ProviderGuards.CIRCUIT_ADDRESS, msg -> transitions.add(msg.body()));
    consumer.completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private List<String> transitionsOf(String provider) {
    return transitions.stream().filter(t -> t.getString("provider").equals(provider))
        .map(t -> t.getString("from") + "->" + t.getString("to")).toList();
  }

  private double counted(String provider, String state) {
    Counter c = gateway.switchboard().services().prometheus().find("switchboard_circuit_transitions")
        .tags("provider", provider, "state", state).counter();
    return c == null ? 0 : c.count();
  }

  private void failAll(FakeProvider p) {
    p.error("/chat/completions", 503, "server_error", null, "unavailable");
  }

  @Test
  void opensHalfOpensAndClosesAndTrafficReturnsToThePrimary() throws Exception {
    startWithCircuit("{failure_threshold: 3, min_requests: 1000, open_for: 1s, max_open_for: 4s, "
        + "half_open_requests: 2}");
    assertThat(servedBy(5, "m1")).containsOnly("a");
    failAll(a);

    for (int i = 0; i < 3; i++) {
      HttpResponse<String> resp = chat("m1");
      assertThat(servedBy(resp)).isEqualTo("b");
      assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,b:200");
    }
    await().atMost(30, TimeUnit.SECONDS).until(() -> transitionsOf("a").size() == 1);
    assertThat(transitionsOf("a")).containsExactly("closed->open");
    JsonObject opened = transitions.get(0);
    assertThat(opened.getString("reason")).contains("3 consecutive failures");
    assertThat(opened.getLong("open_for_ms")).isEqualTo(1_000L);
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    int aAfterOpening = received(a);
    assertThat(aAfterOpening).isEqualTo(5 + 3);

    // Open: a is not even tried.
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> resp = chat("m1");
      assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("b:200");
      assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=b");
    }
    assertThat(received(a)).isEqualTo(aAfterOpening);

    // a recovers; once open_for is over, trial requests reach it and two successes close the circuit.
    a.chatJson("from a");
    clock.advanceMillis(999);
    assertThat(servedBy(chat("m1"))).as("open_for not over yet").isEqualTo("b");
    clock.advanceMillis(1);
    assertThat(servedBy(chat("m1"))).isEqualTo("a");
    assertThat(guard("a").circuit().phase()).as("one of two trials done").isEqualTo(CircuitBreaker.Phase.HALF_OPEN);
    assertThat(servedBy(chat("m1"))).isEqualTo("a");
    // The success is booked on the event loop just after the reply went out.
    await().atMost(30, TimeUnit.SECONDS).until(() -> guard("a").circuit().phase() == CircuitBreaker.Phase.CLOSED);

    assertThat(servedBy(10, "m1")).as("priority returns to the primary").containsOnly("a");
    await().atMost(30, TimeUnit.SECONDS).until(() -> transitionsOf("a").size() == 3);
    assertThat(transitionsOf("a")).containsExactly("closed->open", "open->half_open", "half_open->closed");
    long openedAt = transitions.get(0).getLong("at");
    long trialAt = transitions.get(1).getLong("at");
    assertThat(trialAt - openedAt).as("ms from open to half-open, on the gateway's clock").isEqualTo(1_000);
    assertThat(transitionsOf("b")).isEmpty();

    assertThat(counted("a", "open")).isEqualTo(1);
    assertThat(counted("a", "half_open")).isEqualTo(1);
    assertThat(counted("a", "closed")).isEqualTo(1);
    assertThat(counted("b", "open")).isZero();
    String scrape = gateway.get("/metrics").body();
    assertThat(scrape).containsPattern("switchboard_circuit_transitions_total\\{[^}]*provider=\"a\"[^}]*state=\"open\"[^}]*} 1\\.0");
    assertThat(scrape).containsPattern("switchboard_circuit_state\\{[^}]*provider=\"a\"[^}]*} 0\\.0");
  }

  @Test
  void aFailedTrialReopensTheCircuitForLonger() throws Exception {
    startWithCircuit("{failure_threshold: 3, min_requests: 1000, open_for: 300ms, max_open_for: 2s, "
        + "half_open_requests: 1}");
    failAll(a);
    servedBy(3, "m1");
    await().atMost(30, TimeUnit.SECONDS).until(() -> transitionsOf("a").size() == 1);

    // Clients keep being served by b while a's trial fails.
    clock.advanceMillis(300);
    HttpResponse<String> trial = chat("m1");
    assertThat(servedBy(trial)).isEqualTo("b");
    assertThat(header(trial, "x-switchboard-attempts")).isEqualTo("a:503,b:200");
    assertThat(received(a)).isEqualTo(4);

    await().atMost(30, TimeUnit.SECONDS).until(() -> transitionsOf("a").size() == 3);
    assertThat(transitionsOf("a")).containsExactly("closed->open", "open->half_open", "half_open->open");
    JsonObject reopened = transitions.get(2);
    assertThat(reopened.getString("reason")).contains("trial request failed");
    assertThat(reopened.getLong("open_for_ms")).as("doubled").isEqualTo(600L);
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(counted("a", "open")).isEqualTo(2);
  }

  @Test
  void aHighErrorRateOpensTheCircuitWithoutConsecutiveFailures() throws Exception {
    // a alternates: success, failure, success, failure...
    a.server().resetAll();
    a.stub(post(urlPathEqualTo(CHAT_PATH)).inScenario("flip").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.chatCompletion("chatcmpl-a", "m1", "from a").encode()))
        .willSetStateTo("fail"));
    a.stub(post(urlPathEqualTo(CHAT_PATH)).inScenario("flip").whenScenarioStateIs("fail")
        .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.errorBody("server_error", null, "flaky").encode()))
        .willSetStateTo(STARTED));
    startWithCircuit("{failure_threshold: 100, error_rate: 0.5, min_requests: 10, open_for: 10s, max_open_for: 10s}");

    List<String> served = servedBy(9, "m1");
    assertThat(served).containsExactly("a", "b", "a", "b", "a", "b", "a", "b", "a");
    assertThat(guard("a").circuit().phase()).as("4 failures in 9 attempts").isEqualTo(CircuitBreaker.Phase.CLOSED);

    assertThat(servedBy(chat("m1"))).isEqualTo("b");

    assertThat(guard("a").circuit().phase()).as("5 failures in 10 attempts").isEqualTo(CircuitBreaker.Phase.OPEN);
    await().atMost(30, TimeUnit.SECONDS).until(() -> transitionsOf("a").size() == 1);
    assertThat(transitions.get(0).getString("reason")).contains("error rate 50% over 10 attempts");
    assertThat(servedBy(10, "m1")).containsOnly("b");
    assertThat(received(a)).isEqualTo(10);
  }
}
