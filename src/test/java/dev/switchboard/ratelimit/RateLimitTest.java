package dev.switchboard.ratelimit;

import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** Rate limits through the whole gateway (memory backend). */
class RateLimitTest {
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
  }

  private HttpResponse<String> chat(String key, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + key;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.post("/v1/chat/completions", CHAT, all);
  }

  private int calls(FakeProvider p) {
    return p.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size();
  }

  private double metric(String scope, String decision) {
    var c = gateway.switchboard().services().prometheus().find(GatewayMetrics.RATE_LIMIT)
        .tag("scope", scope).tag("decision", decision).counter();
    return c == null ? 0 : c.count();
  }

  private void start(String keys, String ratelimit, String providers) {
    gateway = GatewayUnderTest.start("""
        routing: {strategy: priority, explore: 0}
        auth:
          admin_key: admin-key-0123
          keys:
        %s
        ratelimit:
        %s
        providers:
        %s
        """.formatted(keys.indent(4).stripTrailing(), ratelimit.indent(2).stripTrailing(), providers.stripTrailing()));
  }

  @Test
  void aKeyOverItsRequestLimitGetsOpenAisRateLimitError() throws Exception {
    a.chatJson("hello");
    start("""
        - {name: small, key: sk-small-key-1, limits: {rpm: 2}}
        - {name: big, key: sk-big-key-12}
        """, "default_key_limits: {rpm: 100}", a.providerYaml("a", "sk-a", "m"));

    HttpResponse<String> first = chat("sk-small-key-1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
    assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
    assertThat(chat("sk-small-key-1").statusCode()).isEqualTo(200);

    HttpResponse<String> third = chat("sk-small-key-1");
    assertThat(third.statusCode()).isEqualTo(429);
    JsonObject error = new JsonObject(third.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("rate_limit_error");
    assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(error.getString("message")).contains("small").contains("requests per minute (limit 2)");
    // 2 per minute: the next slot in 30 s, the whole bucket back in a minute.
    assertThat(third.headers().firstValue("retry-after")).hasValue("30");
    assertThat(third.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
    assertThat(third.headers().firstValue("x-ratelimit-reset-requests")).hasValue("1m0s");
    assertThat(calls(a)).as("the refused request never went upstream").isEqualTo(2);

    HttpResponse<String> other = chat("sk-big-key-12");
    assertThat(other.statusCode()).as("another key has its own bucket").isEqualTo(200);
    assertThat(other.headers().firstValue("x-ratelimit-limit-requests")).as("the default limits").hasValue("100");
    assertThat(metric("key", "rejected")).isEqualTo(1.0);
  }

  @Test
  void tokenLimitCountsThePromptAndTheCompletionBudget() throws Exception {
    a.chatJson("hello");
    start("- {name: t, key: sk-tokens-key, limits: {tpm: 100}}", "default_completion_tokens: 10",
        a.providerYaml("a", "sk-a", "m"));
    // Each request: ~12 prompt tokens + max_tokens 10; the upstream reports 18 tokens used, which settles it.
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      statuses.add(chat("sk-tokens-key").statusCode());
    }
    assertThat(statuses).contains(429);
    int served = (int) statuses.stream().filter(s -> s == 200).count();
    assertThat(served).as("about 100 / 18 requests fit").isBetween(4, 6);
    HttpResponse<String> refused = chat("sk-tokens-key");
    assertThat(refused.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("100");
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("message"))
        .contains("tokens per minute");
  }

  @Test
  void aCompletionBudgetBeyondLongRangeNeitherPassesAnEmptyBucketNorRefillsIt() throws Exception {
    a.chatJson("hello");
    start("- {name: t, key: sk-tokens-key, limits: {tpm: 100}}", "", a.providerYaml("a", "sk-a", "m"));
    int served = 0;
    while (chat("sk-tokens-key").statusCode() == 200) {
      served++;
    }
    assertThat(served).as("about 100 / 18 requests fit").isBetween(4, 6);
    // prompt + Long.MAX_VALUE, and 4 choices of 2^62 (= 2^64), wrapped around to a negative or tiny estimate: the
    // request passed the empty bucket, and a negative take filled it up again.
    for (String body : List.of(
        "{\"model\":\"m\",\"max_tokens\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"model\":\"m\",\"max_tokens\":4611686018427387904,\"n\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
      HttpResponse<String> r = gateway.post("/v1/chat/completions", body, "Authorization", "Bearer sk-tokens-key");
      assertThat(r.statusCode()).as(body).isEqualTo(429);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).contains("tokens per minute");
    }
    assertThat(chat("sk-tokens-key").statusCode()).as("the bucket is still empty").isEqualTo(429);
    assertThat(calls(a)).isEqualTo(served);
  }

  @Test
  void aProviderWithoutHeadroomIsSkippedAndTheNextServes() throws Exception {
    a.chatJson("from a");
    b.chatJson("from b");
    start("- {name: k, key: sk-any-key-1}", "default_completion_tokens: 10",
        a.providerYaml("a", "sk-a", "m") + "    limits: {rpm: 2}\n" + b.providerYaml("b", "sk-b", "m"));

    List<String> servedBy = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = chat("sk-any-key-1");
      assertThat(r.statusCode()).isEqualTo(200);
      servedBy.add(r.headers().firstValue("x-switchboard-provider").orElseThrow());
    }
    assertThat(servedBy).containsExactly("a", "a", "b", "b", "b");
    assertThat(calls(a)).as("a never saw more than its limit").isEqualTo(2);
    assertThat(metric("provider", "skipped")).isGreaterThanOrEqualTo(3.0);

    JsonObject quotas = new JsonObject(gateway.get("/admin/quotas", "Authorization", "Bearer admin-key-0123")
        .body());
    assertThat(quotas.getString("error")).isNull();
  }

  @Test
  void everyProviderOutOfHeadroomIsA429NotA503() throws Exception {
    a.chatJson("from a");
    start("- {name: k, key: sk-any-key-1}", "default_completion_tokens: 10",
        a.providerYaml("a", "sk-a", "m") + "    limits: {rpm: 1}\n");
    assertThat(chat("sk-any-key-1").statusCode()).isEqualTo(200);
    HttpResponse<String> r = chat("sk-any-key-1");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("provider_rate_limited");
    assertThat(r.headers().firstValue("retry-after")).isPresent();
  }

  @Test
  void theProvidersOwnRemainingHeadersLowerItsBucket() throws Exception {
    a.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withHeader("x-ratelimit-remaining-requests", "0")
        .withBody(FakeProvider.chatCompletion("c1", "m", "from a").encode()));
    b.chatJson("from b");
    start("- {name: k, key: sk-any-key-1}", "default_completion_tokens: 10",
        a.providerYaml("a", "sk-a", "m") + "    limits: {rpm: 1000}\n" + b.providerYaml("b", "sk-b", "m"));

    assertThat(chat("sk-any-key-1").headers().firstValue("x-switchboard-provider")).hasValue("a");
    // a said it has no requests left: with 1000 rpm the bucket refills one slot in 60 ms, so the very next
    // request may still find it empty or refilled; what must not happen is a being used as if 999 were left.
    JsonObject quotas = new JsonObject(gateway.get("/admin/quotas", "Authorization", "Bearer admin-key-0123").body());
    JsonArray providers = quotas.getJsonArray("providers");
    JsonObject bucket = providers.getJsonObject(0);
    assertThat(bucket.getString("provider")).isEqualTo("a");
    assertThat(bucket.getJsonObject("requests").getDouble("available")).isLessThan(100.0);
  }

  @Test
  void aQueuedRequestWaitsForItsBucketInsteadOfFailing() throws Exception {
    a.chatJson("hello");
    start("- {name: q, key: sk-queue-key1, limits: {rpm: 30, burst_requests: 1}}",
        "queue: {max_wait: 10s, max_length: 10}", a.providerYaml("a", "sk-a", "m"));
    assertThat(chat("sk-queue-key1").statusCode()).isEqualTo(200);
    // The bucket is empty; the next slot comes in 2 s: the request waits for it.
    HttpResponse<String> queued = chat("sk-queue-key1");
    assertThat(queued.statusCode()).isEqualTo(200);
    assertThat(metric("key", "queued")).isEqualTo(1.0);
  }

  @Test
  void theQueueIsBoundedInLengthAndTime() throws Exception {
    a.chatJson("hello");
    start("- {name: q, key: sk-queue-key1, limits: {rpm: 1}}", "queue: {max_wait: 300ms, max_length: 1}",
        a.providerYaml("a", "sk-a", "m"));
    assertThat(chat("sk-queue-key1").statusCode()).isEqualTo(200);
    // The next slot is a minute away, longer than max_wait: refused at once, never queued.
    HttpResponse<String> r = chat("sk-queue-key1");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(metric("key", "queued")).isZero();
  }
}
