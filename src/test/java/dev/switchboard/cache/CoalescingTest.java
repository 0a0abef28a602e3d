package dev.switchboard.cache;

import dev.switchboard.testing.FakeProvider;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.switchboard.cache.CacheGateway.cacheHeader;
import static dev.switchboard.testing.Metrics.sum;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Identical cacheable requests in flight at once: one goes upstream, the others wait for it (on two event loops, so
 * across threads), bounded by coalesce_wait; a failure releases them.
 */
class CoalescingTest {
  private static final String CHAT = """
      {"model":"gpt-real","temperature":0,"messages":[{"role":"user","content":"Tell me a long story"}]}""";
  private static CacheGateway gateway(String cacheYaml) {
    return new CacheGateway(new FakeProvider(), cacheYaml, "instances: 2");
  }

  /** A gateway whose provider takes {@code delayMillis} to answer each chat request. */
  private static CacheGateway slow(String cacheYaml, int delayMillis) {
    CacheGateway gw = gateway(cacheYaml);
    gw.upstream.stub("/chat/completions", FakeProvider.jsonReply(200,
        FakeProvider.chatCompletion("chatcmpl-1", "gpt-real", "Once upon a time").encode()).withFixedDelay(delayMillis));
    return gw;
  }

  @Test
  void concurrentIdenticalRequestsMakeOneUpstreamCall() throws Exception {
    try (CacheGateway gw = slow("", 800)) {
      List<HttpResponse<String>> replies = gw.concurrently(8, CHAT);

      assertThat(gw.chatCalls()).isEqualTo(1);
      assertThat(replies).allSatisfy(r -> {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(replies.get(0).body());
      });
      assertThat(replies).filteredOn(r -> "MISS".equals(cacheHeader(r))).hasSize(1);
      assertThat(replies).filteredOn(r -> "HIT".equals(cacheHeader(r))).hasSize(7);
      String m = gw.metrics();
      assertThat(sum(m, "switchboard_cache_coalesced_total", "result=\"served\"")).isPositive();
      assertThat(sum(m, "switchboard_cache_requests_total", "result=\"hit\"", "tier=\"coalesced\""))
          .isEqualTo(sum(m, "switchboard_cache_coalesced_total", "result=\"served\""));
    }
  }

  @Test
  void concurrentIdenticalStreamsMakeOneUpstreamCallAndReplayTheSameEvents() throws Exception {
    try (CacheGateway gw = gateway("")) {
      gw.upstream.stub("/chat/completions", FakeProvider.sseReply(FakeProvider.sse(FakeProvider.chatChunks(
          "chatcmpl-2", "gpt-real", "Once", " upon", " a", " time"))).withChunkedDribbleDelay(5, 600));
      List<HttpResponse<String>> replies = gw.concurrently(5, CHAT.replace("{", "{\"stream\":true,"));
      assertThat(gw.chatCalls()).isEqualTo(1);
      assertThat(replies).allSatisfy(r -> assertThat(r.body()).isEqualTo(replies.get(0).body())
          .endsWith("data: [DONE]\n\n"));
    }
  }

  @Test
  void aFailureReleasesTheWaitersToGoUpstreamThemselves() throws Exception {
    try (CacheGateway gw = gateway("")) {
      gw.upstream.stub("/chat/completions", FakeProvider.jsonReply(400, FakeProvider.errorBody("invalid_request_error",
          "bad", "Nope.").encode()).withFixedDelay(2_000));
      // The four followers must arrive while the leader's reply is still on its way (2 s, ample on a loaded machine).
      List<HttpResponse<String>> replies = gw.concurrently(5, CHAT);
      assertThat(replies).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(400));
      assertThat(gw.chatCalls()).isEqualTo(5);
      assertThat(sum(gw.metrics(), "switchboard_cache_coalesced_total", "result=\"released\"")).isEqualTo(4.0);
    }
  }

  @Test
  void theWaitIsBoundedByCoalesceWait() throws Exception {
    try (CacheGateway gw = slow("  coalesce_wait: 100ms\n", 1_000)) {
      List<HttpResponse<String>> replies = gw.concurrently(3, CHAT);
      assertThat(replies).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
      assertThat(gw.chatCalls()).isEqualTo(3);
      assertThat(sum(gw.metrics(), "switchboard_cache_coalesced_total", "result=\"timeout\"")).isEqualTo(2.0);
    }
  }

  @Test
  void withoutCoalescingEveryMissGoesUpstream() throws Exception {
    try (CacheGateway gw = slow("  coalesce: false\n", 500)) {
      gw.concurrently(3, CHAT);
      assertThat(gw.chatCalls()).isEqualTo(3);
    }
  }
}
