package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.switchboard.testing.FakeProvider;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The primary provider breaks in each of the ways a provider breaks; the secondary serves instead and no client
 * sees an error, neither for one request nor over a run of a few hundred concurrent requests during which the
 * primary fails half-way through.
 */
class FailoverTest extends RoutingTestBase {
  private static final int RUN = 300;

  /** Ways the primary fails, and the x-switchboard-attempts of one request that meets the failure. */
  enum Breakage {
    HTTP_503("a:503,a:503,b:200"),
    HTTP_429("a:429,a:429,b:200"),
    TIMEOUT("a:timeout,b:200"),
    CONNECTION_RESET("a:io,a:io,b:200"),
    EMPTY_RESPONSE("a:closed,a:closed,b:200"),
    CONNECTION_REFUSED("a:connect,b:200");

    final String attempts;

    Breakage(String attempts) {
      this.attempts = attempts;
    }

    void apply(FakeProvider p) {
      switch (this) {
        case HTTP_503 -> p.error("/chat/completions", 503, "server_error", null, "The engine is overloaded");
        // No Retry-After: retried after the configured backoff.
        case HTTP_429 -> p.error("/chat/completions", 429, "requests", "rate_limit_exceeded", "Rate limit reached");
        // Three times the first-byte timeout: no loaded machine makes a healthy a that slow, and none makes this one
        // answer in time.
        case TIMEOUT -> p.stub("/chat/completions", aResponse().withStatus(200).withFixedDelay(3_000)
            .withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.chatCompletion("chatcmpl-a", "m1", "from a (too late)").encode()));
        case CONNECTION_RESET -> p.fault("/chat/completions", Fault.CONNECTION_RESET_BY_PEER);
        case EMPTY_RESPONSE -> p.fault("/chat/completions", Fault.EMPTY_RESPONSE);
        case CONNECTION_REFUSED -> p.server().stop();
        default -> throw new IllegalStateException(name());
      }
    }
  }

  /**
   * a is the primary (priority); its first-byte timeout is short so a hanging a is given up quickly, but not so short
   * that a healthy a on a loaded machine misses it (300 ms did: its cold first reply, or a pause during the run,
   * failed a over before it was broken).
   */
  private void startPrimaryAndSecondary() {
    start(routing("priority") + "providers:\n"
        + "  a: {type: openai, base_url: \"" + a.baseUrl() + "\", api_key: k-a, models: [m1], "
        + "timeouts: {connect: 2s, first_byte: 1s, idle: 2s, total: 5s}}\n"
        + provider("b", b, "m1", ""));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the primary was never broken");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @EnumSource(Breakage.class)
  void oneRequestFailsOverToTheSecondary(Breakage breakage) throws Exception {
    startPrimaryAndSecondary();
    assertThat(servedBy(chat("m1"))).isEqualTo("a");

    breakage.apply(a);
    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).matches(breakage.attempts);
    assertThat(header(resp, "x-should-retry")).isNull();
    assertThat(received(b)).isEqualTo(1);
  }

  /** The shipped default (same_provider_first: false): the next provider answers sooner than any backoff ends. */
  @Test
  void byDefaultAMomentaryFailureMovesOnAtOnceAndOnlyTheLastCandidateIsRetried() throws Exception {
    start("routing: {strategy: priority, explore: 0, slow_start: 0s, retry: {backoff_base: 5ms, backoff_max: 20ms}}\n"
        + twoProviders());
    a.error("/chat/completions", 503, "server_error", null, "The engine is overloaded");

    HttpResponse<String> moved = chat("m1");
    assertThat(moved.statusCode()).isEqualTo(200);
    assertThat(header(moved, "x-switchboard-attempts")).isEqualTo("a:503,b:200");

    b.error("/chat/completions", 500, "server_error", null, "b crashed too");
    HttpResponse<String> failed = chat("m1");
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(header(failed, "x-switchboard-attempts")).as("b, the last candidate, got its retry")
        .isEqualTo("a:503,b:500,b:500");
    assertThat(header(failed, "x-should-retry")).isEqualTo("false");
  }

  @Test
  void aFailoverIsPublishedForTheControlPlane() throws Exception {
    startPrimaryAndSecondary();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    gateway.switchboard().vertx().eventBus().<JsonObject>consumer(FailoverChain.FAILOVER_ADDRESS,
        m -> events.add(m.body())).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    chat("m1");
    Breakage.HTTP_503.apply(a);

    HttpResponse<String> resp = chat("m1", "x-request-id", "req-failover-1");

    assertThat(servedBy(resp)).isEqualTo("b");
    await().atMost(30, TimeUnit.SECONDS).until(() -> events.size() == 1);
    JsonObject event = events.get(0);
    assertThat(event.getString("request_id")).isEqualTo("req-failover-1");
    assertThat(event.getString("model")).isEqualTo("m1");
    assertThat(event.getString("served_by")).isEqualTo("b");
    assertThat(event.getJsonArray("attempts").getList()).containsExactly("a:503", "a:503", "b:200");
    assertThat(event.getJsonArray("outcomes").getList()).hasSize(2)
        .allSatisfy(o -> assertThat(o.toString()).startsWith("a: Provider 'a' failed with HTTP 503"));
  }

  @ParameterizedTest
  @EnumSource(Breakage.class)
  void primaryFailingHalfWayThroughARunCostsTheClientsNothing(Breakage breakage) throws Exception {
    startPrimaryAndSecondary();

    // Four clients. The one sending request 150 breaks the primary first, while requests before it are in flight;
    // the requests after it wait for the break, so they certainly meet it.
    CountDownLatch broken = new CountDownLatch(1);
    List<HttpResponse<String>> replies = concurrently(RUN, 4, i -> {
      if (i == RUN / 2) {
        breakage.apply(a);
        broken.countDown();
      } else if (i > RUN / 2) {
        awaitQuietly(broken);
      }
    }, "m1");

    List<HttpResponse<String>> errors = replies.stream().filter(r -> r.statusCode() != 200).toList();
    assertThat(errors).as("client-visible errors").isEmpty();
    List<String> served = replies.stream().map(RoutingTestBase::servedBy).toList();
    assertThat(count(served.subList(0, RUN / 2), "a")).as("served by the primary before it broke (3 in flight)")
        .isGreaterThanOrEqualTo(RUN / 2 - 3);
    assertThat(served.subList(RUN / 2, RUN)).as("served after the break").containsOnly("b");
    assertThat(replies.stream().map(r -> header(r, "x-switchboard-attempts")))
        .as("some requests met the broken primary and failed over")
        .anyMatch(h -> h.startsWith("a:") && h.endsWith(",b:200"));
    assertThat(guard("a").circuit().phase()).as("the primary's circuit").isNotEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(guard("b").circuit().phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
  }
}
