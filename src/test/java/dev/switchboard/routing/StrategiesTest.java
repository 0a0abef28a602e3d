package dev.switchboard.routing;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each routing strategy's ordering, observed through the gateway: which upstream receives the requests, the
 * x-switchboard-provider of each reply, and the order in x-switchboard-route.
 */
class StrategiesTest extends RoutingTestBase {

  @Test
  void priorityAlwaysSendsToTheFirstConfiguredProvider() throws Exception {
    start(routing("priority") + twoProviders());

    List<String> served = servedBy(30, "m1");

    assertThat(served).containsOnly("a");
    assertThat(received(a)).isEqualTo(30);
    assertThat(received(b)).isZero();
    HttpResponse<String> resp = chat("m1");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=a,b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:200");
  }

  @Test
  void aliasStrategyAndTargetOrderOverrideTheGlobalDefault() throws Exception {
    start(routing("random") + twoProviders() + """
        models:
          smart:
            strategy: priority
            targets:
              - {provider: b, model: m1}
              - {provider: a, model: m1}
        """);

    assertThat(servedBy(20, "smart")).containsOnly("b");
    assertThat(header(chat("smart"), "x-switchboard-route")).isEqualTo("strategy=priority; order=b,a");
    assertThat(received(a)).isZero();
  }

  @Test
  void roundRobinAlternates() throws Exception {
    start(routing("round-robin") + twoProviders());

    List<String> served = servedBy(10, "m1");

    assertThat(served).containsExactly("a", "b", "a", "b", "a", "b", "a", "b", "a", "b");
    assertThat(received(a)).isEqualTo(5);
    assertThat(received(b)).isEqualTo(5);
    assertThat(header(chat("m1"), "x-switchboard-route")).isEqualTo("strategy=round-robin; order=a,b");
    assertThat(header(chat("m1"), "x-switchboard-route")).isEqualTo("strategy=round-robin; order=b,a");
  }

  @Test
  void weightedFollowsTheConfiguredWeights() throws Exception {
    start(routing("weighted") + "providers:\n" + provider("a", a, "m1", "weight: 3")
        + provider("b", b, "m1", "weight: 1"));

    List<String> served = new ArrayList<>();
    for (HttpResponse<String> resp : concurrently(400, 4, "m1")) {
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
      served.add(servedBy(resp));
    }

    // Expected share of a: 0.75, standard deviation ~0.022 over 400 requests; the bound is ~4.5 of them.
    double shareA = count(served, "a") / 400.0;
    assertThat(shareA).isBetween(0.65, 0.85);
    assertThat(received(a) + received(b)).isEqualTo(400);
    assertThat(header(chat("m1"), "x-switchboard-route")).startsWith("strategy=weighted; order=");
  }

  @Test
  void weightedRoundRobinIsNginxsSmoothSequence() throws Exception {
    startC();
    start(routing("weighted-round-robin") + "providers:\n" + provider("a", a, "m1", "weight: 5")
        + provider("b", b, "m1", "weight: 1") + provider("c", c, "m1", "weight: 1"));

    assertThat(servedBy(14, "m1")).as("nginx's smooth order for weights 5,1,1, twice round")
        .containsExactly("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a");
    assertThat(received(a)).isEqualTo(10);
    assertThat(received(b)).isEqualTo(2);
    assertThat(received(c)).isEqualTo(2);
    assertThat(header(chat("m1"), "x-switchboard-route")).as("failover order by current weight after the pick")
        .isEqualTo("strategy=weighted-round-robin; order=a,b,c");
  }

  @Test
  void weightedRoundRobinFailsOverAndKeepsItsTurns() throws Exception {
    start(routing("weighted-round-robin") + "providers:\n" + provider("a", a, "m1", "weight: 2")
        + provider("b", b, "m1", "weight: 1"));
    a.error("/chat/completions", 503, "server_error", null, "down");

    HttpResponse<String> resp = chat("m1");

    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:200");
  }

  @Test
  void weightedTargetWeightZeroIsOnlyAFallback() throws Exception {
    start(routing("priority") + twoProviders() + """
        models:
          w:
            strategy: weighted
            targets:
              - {provider: a, model: m1, weight: 0}
              - {provider: b, model: m1, weight: 1}
        """);

    assertThat(servedBy(40, "w")).containsOnly("b");
    b.error("/chat/completions", 503, "server_error", null, "down");
    HttpResponse<String> resp = chat("w");
    assertThat(servedBy(resp)).as("weight 0 still serves as failover").isEqualTo("a");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("b:503,b:503,a:200");
  }

  @Test
  void leastLatencyMeasuresEveryoneThenPrefersTheFaster() throws Exception {
    // a takes 1 s: far more than b's first (cold) request on a loaded machine, which at 150 ms it could lose to.
    a.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withFixedDelay(1000)
        .withBody(dev.switchboard.testing.FakeProvider.chatCompletion("chatcmpl-a", "m1", "from a").encode()));
    start(routing("least-latency") + twoProviders());

    // Unmeasured providers go first, so the first two requests measure both, whichever is drawn first.
    List<String> warmUp = servedBy(2, "m1");
    assertThat(warmUp).containsExactlyInAnyOrder("a", "b");

    List<String> served = servedBy(20, "m1");

    assertThat(served).containsOnly("b");
    assertThat(received(a)).isEqualTo(1);
    assertThat(header(chat("m1"), "x-switchboard-route")).isEqualTo("strategy=least-latency; order=b,a");
  }

  @Test
  void leastBusyAvoidsTheProviderWithRequestsInFlight() throws Exception {
    // Requests whose prompt says "slow" hang at a for a while; everything else is answered at once. The while must
    // outlast the 15 requests below on a loaded machine too (at 1.5 s, a's three could end first, and a idle again
    // takes its share).
    a.stub(post(urlPathEqualTo(CHAT_PATH)).withRequestBody(containing("slow")).willReturn(aResponse()
        .withStatus(200).withHeader("Content-Type", "application/json").withFixedDelay(5000)
        .withBody(dev.switchboard.testing.FakeProvider.chatCompletion("chatcmpl-a", "m1", "from a").encode())));
    // a's first-byte timeout must outlast the hold (the default 2 s would end the held requests with a 503).
    start(routing("least-busy") + "providers:\n"
        + "  a: {type: openai, base_url: \"" + a.baseUrl() + "\", api_key: k-a, models: [m1], "
        + "timeouts: {connect: 500ms, first_byte: 9s, idle: 9s, total: 9s}}\n"
        + provider("b", b, "m1", ""));
    String slow = chatBody("m1").replace("\"hi\"", "\"slow\"");
    List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      busy.add(CompletableFuture.supplyAsync(() -> {
        try {
          return gateway.post(CHAT_PATH, slow, "x-switchboard-provider", "a");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    await().atMost(30, TimeUnit.SECONDS).until(() -> stats("a").inFlight() == 3);

    List<String> whileBusy = servedBy(15, "m1");

    assertThat(whileBusy).containsOnly("b");
    for (CompletableFuture<HttpResponse<String>> f : busy) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    // The reply reaches the client a moment before the attempt's bookkeeping on the event loop.
    await().atMost(30, TimeUnit.SECONDS).until(() -> stats("a").inFlight() == 0);
    // Idle again, both are equally busy (none): ties are broken at random, so both serve.
    List<String> idle = servedBy(40, "m1");
    assertThat(count(idle, "a")).isPositive();
    assertThat(count(idle, "b")).isPositive();
  }

  @Test
  void costPicksTheCheaperTarget() throws Exception {
    startC();
    start(routing("cost") + "providers:\n"
        + provider("a", a, "{name: m1, input_price: 10, output_price: 30}", "")
        + provider("b", b, "{name: m1, input_price: 0.5, output_price: 1.5}", "")
        + provider("c", c, "m1", ""));

    List<String> served = servedBy(20, "m1");

    assertThat(served).containsOnly("b");
    HttpResponse<String> resp = chat("m1");
    assertThat(header(resp, "x-switchboard-route")).as("unpriced last").isEqualTo("strategy=cost; order=b,a,c");
    b.error("/chat/completions", 500, "server_error", null, "down");
    resp = chat("m1");
    assertThat(servedBy(resp)).as("the next cheapest is the failover").isEqualTo("a");
    assertThat(received(c)).isZero();
  }

  @Test
  void costRanksImageProvidersByTheirPricePerImage() throws Exception {
    String reply = "{\"created\":1,\"data\":[{\"url\":\"https://i/x.png\"}]}";
    a.stub("/images/generations", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply));
    b.stub("/images/generations", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply));
    start(routing("cost") + "providers:\n" + provider("a", a, "{name: img, price_per_image: 0.08}", "")
        + provider("b", b, "{name: img, price_per_image: {\"1024x1024\": 0.02, \"hd/1024x1024\": 0.04}}", ""));

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> resp = gateway.post("/v1/images/generations", "{\"model\":\"img\",\"prompt\":\"x\"}");
      assertThat(header(resp, "x-switchboard-provider")).isEqualTo("b");
      assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=cost; order=b,a");
    }
  }

  @Test
  void randomUsesBoth() throws Exception {
    start(routing("random") + twoProviders());

    List<String> served = servedBy(100, "m1");

    // Binomial(100, 0.5): fewer than 20 of either has a probability of about 1e-9.
    assertThat(count(served, "a")).isGreaterThanOrEqualTo(20);
    assertThat(count(served, "b")).isGreaterThanOrEqualTo(20);
    assertThat(header(chat("m1"), "x-switchboard-route")).startsWith("strategy=random; order=");
  }

  @Test
  void scoreRanksByTheWeightedScoreAndReportsIt() throws Exception {
    start(routing("score", "{same_provider_first: true, per_provider: 1, backoff_base: 5ms, backoff_max: 20ms}",
        "{failure_threshold: 3, min_requests: 1000, open_for: 300ms}",
        "  weights: {latency: 0, errors: 1, quality: 1, cost: 0, load: 0, headroom: 0}\n")
        + "providers:\n"
        + provider("a", a, "{name: m1, input_price: 1, output_price: 1}", "quality: 0.3")
        + provider("b", b, "{name: m1, input_price: 5, output_price: 5}", "quality: 0.9") + """
        models:
          cheap:
            weights: {latency: 0, errors: 0, quality: 0, cost: 1, load: 0, headroom: 0}
            targets:
              - {provider: b, model: m1}
              - {provider: a, model: m1}
        """);

    assertThat(servedBy(20, "m1")).containsOnly("b");
    // Score = (1 x errors + 1 x quality) / 2, with no errors: b (0.9) 0.95, a (0.3) 0.65.
    assertThat(header(chat("m1"), "x-switchboard-route")).isEqualTo("strategy=score; order=b:0.950,a:0.650");

    // The alias's own weights: only cost counts, so the cheaper a wins although it is listed second.
    assertThat(servedBy(10, "cheap")).containsOnly("a");
    String route = header(chat("cheap"), "x-switchboard-route");
    assertThat(route).startsWith("strategy=score; order=a:1.000,b:0.");
  }
}
