package dev.switchboard.cache;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.LogCapture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.switchboard.cache.CacheGateway.ADMIN;
import static dev.switchboard.cache.CacheGateway.TEAM_A;
import static dev.switchboard.cache.CacheGateway.TEAM_B;
import static dev.switchboard.cache.CacheGateway.cacheHeader;
import static dev.switchboard.testing.Metrics.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** JSON replies through the real gateway: hits, misses, bypasses, what is never cached, tenants, admin, metrics. */
class CacheGatewayTest {
  private static final String CHAT = """
      {"model":"gpt-real","temperature":0,"top_p":1,"max_tokens":50,
       "messages":[{"role":"user","content":"What is 2+2?"}]}""";
  private CacheGateway gw;

  @BeforeEach
  void start() {
    gw = new CacheGateway("");
    gw.upstream.chatJson("4");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void aDeterministicReplyIsStoredThenServedWithHitAndAge() throws Exception {
    HttpResponse<String> first = gw.chat(CHAT);
    HttpResponse<String> second = gw.chat(CHAT);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(first.headers().firstValue("age")).isEmpty();
    assertThat(first.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.headers().firstValue("age")).hasValue("0");
    assertThat(second.headers().firstValue("x-switchboard-provider")).hasValue("cache");
    assertThat(second.headers().firstValue("x-switchboard-attempts")).isEmpty();
    assertThat(second.headers().firstValue("content-type")).isEqualTo(first.headers().firstValue("content-type"));
    assertThat(second.headers().firstValue("x-request-id")).isPresent()
        .isNotEqualTo(first.headers().firstValue("x-request-id"));
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(gw.chatCalls()).isEqualTo(1);
  }

  @Test
  void aMalformedRoutingHeaderIsRefusedEvenWhenTheCacheHoldsTheAnswer() throws Exception {
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");

    // A cache miss refuses these with 400; a hit must too, or the mistake surfaces only once the entry expires.
    HttpResponse<String> strategy = gw.chat(CHAT, "x-switchboard-strategy", "fastest");
    HttpResponse<String> hedge = gw.chat(CHAT, "x-switchboard-hedge", "maybe");

    assertThat(strategy.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(strategy.body()).getJsonObject("error").getString("code")).isEqualTo("invalid_strategy");
    assertThat(hedge.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(hedge.body()).getJsonObject("error").getString("code")).isEqualTo("invalid_hedge");
    assertThat(cacheHeader(gw.chat(CHAT, "x-switchboard-strategy", "priority"))).isEqualTo("HIT");
  }

  @Test
  void equivalentRequestsHitWhateverTheirKeyOrderNumberFormsOrIgnoredFields() throws Exception {
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    String equivalent = """
        {"messages":[{"content":"What is 2+2?","role":"user"}],"max_tokens":50,"temperature":0.0,"top_p":1.0e0,
         "user":"end-user-17","model":"gpt-real"}""";
    assertThat(cacheHeader(gw.chat(equivalent))).isEqualTo("HIT");
    assertThat(cacheHeader(gw.chat(CHAT.replace("50", "51")))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT.replace("2+2", "2+3")))).isEqualTo("MISS");
    assertThat(gw.chatCalls()).isEqualTo(3);
  }

  @Test
  void sampledRequestsBypassByDefault() throws Exception {
    String sampled = CHAT.replace("\"temperature\":0", "\"temperature\":0.7");
    assertThat(cacheHeader(gw.chat(sampled))).isEqualTo("BYPASS");
    assertThat(cacheHeader(gw.chat(sampled))).isEqualTo("BYPASS");
    assertThat(gw.chatCalls()).isEqualTo(2);
    String seeded = sampled.replace("{", "{\"seed\":3,");
    assertThat(cacheHeader(gw.chat(seeded))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(seeded))).isEqualTo("HIT");
  }

  @Test
  void modeAllCachesSampledRequests() throws Exception {
    try (CacheGateway all = new CacheGateway("  mode: all\n")) {
      all.upstream.chatJson("maybe");
      String sampled = CHAT.replace("\"temperature\":0", "\"temperature\":0.7");
      assertThat(cacheHeader(all.chat(sampled))).isEqualTo("MISS");
      assertThat(cacheHeader(all.chat(sampled))).isEqualTo("HIT");
    }
  }

  @Test
  void noCacheFetchesAfreshAndStoresNoStoreTouchesNothing() throws Exception {
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    gw.upstream.chatJson("four");

    HttpResponse<String> fresh = gw.chat(CHAT, "Cache-Control", "no-cache");
    assertThat(cacheHeader(fresh)).isEqualTo("BYPASS");
    assertThat(fresh.body()).contains("four");
    HttpResponse<String> after = gw.chat(CHAT);
    assertThat(cacheHeader(after)).as("no-cache still writes").isEqualTo("HIT");
    assertThat(after.body()).contains("four");

    String other = CHAT.replace("2+2", "3+3");
    assertThat(cacheHeader(gw.chat(other, "Cache-Control", "no-store"))).isEqualTo("BYPASS");
    assertThat(cacheHeader(gw.chat(other))).as("no-store did not write").isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT, "Cache-Control", "no-store"))).as("nor read").isEqualTo("BYPASS");
    assertThat(gw.chatCalls()).isEqualTo(5);
  }

  @Test
  void ttlHeaderZeroReadsButDoesNotStoreAndAMalformedOneIsRefused() throws Exception {
    assertThat(cacheHeader(gw.chat(CHAT, "x-switchboard-cache-ttl", "0"))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT, "x-switchboard-cache-ttl", "0"))).as("still reads").isEqualTo("HIT");

    HttpResponse<String> bad = gw.chat(CHAT, "x-switchboard-cache-ttl", "soon");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(bad).getString("code")).isEqualTo("invalid_cache_ttl");
    assertThat(gw.chatCalls()).isEqualTo(2);
  }

  @Test
  void errorsAreNeverCached() throws Exception {
    gw.upstream.error("/chat/completions", 400, "invalid_request_error", "bad", "Nope.");
    assertThat(gw.chat(CHAT).statusCode()).isEqualTo(400);
    HttpResponse<String> again = gw.chat(CHAT);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(cacheHeader(again)).isEqualTo("MISS");
    gw.upstream.error("/chat/completions", 500, "server_error", null, "Boom.");
    assertThat(gw.chat(CHAT).statusCode()).isEqualTo(502);
    gw.upstream.chatJson("4");
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("HIT");
    assertThat(sum(gw.metrics(), "switchboard_cache_stores_total", "result=\"incomplete\"")).isEqualTo(3.0);
  }

  @Test
  void repliesCutAtTheLengthLimitAreNotCachedUnlessConfigured() throws Exception {
    JsonObject truncated = FakeProvider.chatCompletion("chatcmpl-1", "gpt-real", "Two plus two is");
    truncated.getJsonArray("choices").getJsonObject(0).put("finish_reason", "length");
    gw.upstream.stub("/chat/completions", FakeProvider.jsonReply(200, truncated.encode()));
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    assertThat(sum(gw.metrics(), "switchboard_cache_stores_total", "result=\"truncated\"")).isEqualTo(2.0);

    try (CacheGateway allowed = new CacheGateway("  cache_truncated: true\n")) {
      allowed.upstream.stub("/chat/completions", FakeProvider.jsonReply(200, truncated.encode()));
      assertThat(cacheHeader(allowed.chat(CHAT))).isEqualTo("MISS");
      assertThat(cacheHeader(allowed.chat(CHAT))).isEqualTo("HIT");
    }
  }

  @Test
  void repliesAboveTheEntryLimitAreNotCached() throws Exception {
    try (CacheGateway small = new CacheGateway("  max_entry_size: 2kb\n")) {
      small.upstream.chatJson("x".repeat(3000));
      assertThat(cacheHeader(small.chat(CHAT))).isEqualTo("MISS");
      HttpResponse<String> again = small.chat(CHAT);
      assertThat(cacheHeader(again)).isEqualTo("MISS");
      assertThat(again.body()).contains("x".repeat(3000));
      small.upstream.chatJson("short");
      small.chat(CHAT);
      assertThat(cacheHeader(small.chat(CHAT))).isEqualTo("HIT");
      String m = small.metrics();
      assertThat(sum(m, "switchboard_cache_stores_total", "result=\"too_large\"")).isEqualTo(2.0);
      assertThat(sum(m, "switchboard_cache_stores_total", "result=\"stored\"")).isEqualTo(1.0);
    }
  }

  @Test
  void theLocalFallbacksPlaceholdersAreNotCached() throws Exception {
    String local = CHAT.replace("gpt-real", "switchboard-local");
    HttpResponse<String> first = gw.chat(local);
    assertThat(first.headers().firstValue("x-switchboard-degraded")).hasValue("true");
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(local))).isEqualTo("MISS");
    assertThat(sum(gw.metrics(), "switchboard_cache_stores_total", "result=\"degraded\"")).isEqualTo(2.0);
  }

  @Test
  void embeddingsAreCachedByDefault() throws Exception {
    gw.upstream.stub("/embeddings", FakeProvider.jsonReply(200, """
        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],
         "model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}"""));
    String body = "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}";
    HttpResponse<String> first = gw.post("/v1/embeddings", body, TEAM_A);
    HttpResponse<String> second = gw.post("/v1/embeddings", body, TEAM_A);
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(gw.upstreamCalls("/embeddings")).isEqualTo(1);
  }

  @Test
  void oneTenantNeverReceivesAnothersCachedAnswer() throws Exception {
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.post("/v1/chat/completions", CHAT, TEAM_B))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.post("/v1/chat/completions", CHAT, TEAM_B))).isEqualTo("HIT");
    assertThat(gw.chatCalls()).isEqualTo(2);

    try (CacheGateway shared = new CacheGateway("  shared: true\n")) {
      shared.upstream.chatJson("4");
      assertThat(cacheHeader(shared.chat(CHAT))).isEqualTo("MISS");
      assertThat(cacheHeader(shared.post("/v1/chat/completions", CHAT, TEAM_B))).isEqualTo("HIT");
    }
  }

  @Test
  void modeOffLeavesEveryRequestAlone() throws Exception {
    try (CacheGateway off = new CacheGateway("  mode: off\n")) {
      off.upstream.chatJson("4");
      assertThat(cacheHeader(off.chat(CHAT))).isEqualTo("BYPASS");
      assertThat(cacheHeader(off.chat(CHAT))).isEqualTo("BYPASS");
      assertThat(off.chatCalls()).isEqualTo(2);
    }
  }

  @Test
  void adminShowsTheCacheAndClearsItBehindTheAdminKey() throws Exception {
    gw.chat(CHAT);
    gw.chat(CHAT);
    gw.chat(CHAT.replace("\"temperature\":0", "\"temperature\":1"));

    assertThat(gw.admin("GET", "/admin/cache", null).statusCode()).isEqualTo(401);
    assertThat(gw.admin("GET", "/admin/cache", TEAM_A).statusCode()).isEqualTo(401);
    assertThat(gw.admin("POST", "/admin/cache/clear", TEAM_A).statusCode()).isEqualTo(401);

    HttpResponse<String> resp = gw.admin("GET", "/admin/cache", ADMIN);
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject stats = new JsonObject(resp.body());
    assertThat(stats.getString("mode")).isEqualTo("deterministic");
    assertThat(stats.getString("backend")).isEqualTo("memory");
    assertThat(stats.getLong("entries")).isEqualTo(1);
    assertThat(stats.getLong("bytes")).isPositive();
    assertThat(stats.getLong("max_bytes")).isEqualTo(128L << 20);
    assertThat(stats.getLong("hits")).isEqualTo(1);
    assertThat(stats.getLong("misses")).isEqualTo(1);
    assertThat(stats.getLong("bypasses")).isEqualTo(1);
    assertThat(stats.getDouble("hit_rate")).isEqualTo(0.5);
    assertThat(stats.getLong("evictions")).isZero();
    assertThat(stats.containsKey("redis")).isFalse();

    HttpResponse<String> cleared = gw.admin("POST", "/admin/cache/clear", ADMIN);
    assertThat(cleared.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(cleared.body());
    assertThat(body.getJsonObject("cleared").getLong("memory_entries")).isEqualTo(1);
    assertThat(body.getJsonObject("cache").getLong("entries")).isZero();
    assertThat(cacheHeader(gw.chat(CHAT))).isEqualTo("MISS");
  }

  @Test
  void metricsCountHitsMissesBypassesAndTheTokensAHitSaved() throws Exception {
    gw.chat(CHAT);
    gw.chat(CHAT);
    gw.chat(CHAT.replace("\"temperature\":0", "\"temperature\":1"));

    String m = gw.metrics();
    assertThat(sum(m, "switchboard_cache_requests_total", "endpoint=\"chat\"", "result=\"hit\"", "tier=\"memory\""))
        .isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_requests_total", "result=\"miss\"")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_requests_total", "result=\"bypass\"")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_stores_total", "result=\"stored\"")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_entries")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_bytes")).isGreaterThan(CachedReply.OVERHEAD_BYTES);
    // FakeProvider's reply reports 11 prompt and 7 completion tokens: spent twice (miss, bypass), saved once (hit).
    assertThat(sum(m, "switchboard_cache_saved_tokens_total", "kind=\"prompt\"")).isEqualTo(11.0);
    assertThat(sum(m, "switchboard_cache_saved_tokens_total", "kind=\"completion\"")).isEqualTo(7.0);
    assertThat(sum(m, "switchboard_tokens_total", "provider=\"up\"", "kind=\"prompt\"")).isEqualTo(22.0);
    assertThat(sum(m, "switchboard_requests_total", "provider=\"cache\"", "status=\"200\"")).isEqualTo(1.0);
  }

  @Test
  void theAccessLogSaysWhichRepliesCameFromTheCacheAndWhatTheySaved() throws Exception {
    List<JsonObject> lines;
    try (LogCapture access = LogCapture.start("switchboard.access")) {
      gw.chat(CHAT);
      gw.chat(CHAT);
      await().until(() -> access.messages().size() == 2);
      lines = access.messages().stream().map(JsonObject::new).toList();
    }
    JsonObject miss = lines.get(0);
    JsonObject hit = lines.get(1);
    assertThat(miss.getString("cache")).isEqualTo("miss");
    assertThat(miss.getLong("prompt_tokens")).isEqualTo(11);
    assertThat(miss.containsKey("saved_prompt_tokens")).isFalse();
    assertThat(hit.getString("cache")).isEqualTo("hit");
    assertThat(hit.getString("provider")).isEqualTo("cache");
    assertThat(hit.containsKey("prompt_tokens")).as("nothing spent").isFalse();
    assertThat(hit.getLong("saved_prompt_tokens")).isEqualTo(11);
    assertThat(hit.getLong("saved_completion_tokens")).isEqualTo(7);
  }
}
