package dev.switchboard.cache;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stale answers when all else fails: with {@code serve_stale_on_error}, a request whose every provider failed gets the
 * expired cache entry of the same request (within {@code max_stale}) instead of the 5xx, marked
 * {@code x-switchboard-cache: STALE} with its {@code age}; streams are replayed as on a hit. Time is the gateway's
 * fake clock, which the cache follows.
 */
class StaleOnErrorTest {
  private static final String CHAT = """
      {"model":"gpt-real","temperature":0,"messages":[{"role":"user","content":"Say hello"}]}""";
  private static final String STREAM = """
      {"model":"gpt-real","stream":true,"temperature":0,"messages":[{"role":"user","content":"Say hello"}]}""";
  private final FakeProvider upstream = new FakeProvider();
  private final FakeClock clock = new FakeClock();
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  private void start(String cache) {
    gateway = TestConfig.empty()
        .provider("up", upstream, "sk-provider", "gpt-real")
        .with("timeouts: {connect: 1s, first_byte: 5s, idle: 2s, total: 10s}")
        .routing("{max_attempts: 1}")
        .section("cache", cache)
        .start(new Clocks(clock, clock));
  }

  private HttpResponse<String> post(String body) throws Exception {
    return gateway.post("/v1/chat/completions", body);
  }

  private static String header(HttpResponse<?> resp, String name) {
    return resp.headers().firstValue(name).orElse(null);
  }

  /** Waits until {@code n} replies were stored: the store follows the reply, so moving time before it would date it. */
  private void awaitStored(int n) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> gateway.get("/metrics")
        .body().matches("(?s).*switchboard_cache_stores_total\\{[^}]*result=\"stored\"[^}]*} " + n + "\\.0.*"));
  }

  private void failUpstream() {
    upstream.error("/chat/completions", 503, "server_error", null, "overloaded");
  }

  @Test
  void anExpiredEntryWithinMaxStaleAnswersWhenEveryProviderFails() throws Exception {
    start("{mode: deterministic, ttl: 60s, serve_stale_on_error: true, max_stale: 10m}");
    upstream.chatJson("Hello!");
    assertThat(header(post(CHAT), "x-switchboard-cache")).isEqualTo("MISS");
    awaitStored(1);

    clock.advanceSeconds(61);
    failUpstream();
    HttpResponse<String> stale = post(CHAT);
    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(200);
    assertThat(header(stale, "x-switchboard-cache")).isEqualTo("STALE");
    assertThat(header(stale, "age")).isEqualTo("61");
    assertThat(header(stale, "x-switchboard-attempts")).as("the failure is still told").isEqualTo("up:503");
    assertThat(new JsonObject(stale.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content")).isEqualTo("Hello!");
    assertThat(gateway.get("/metrics").body())
        .containsPattern("switchboard_cache_requests_total\\{[^}]*result=\"stale\"[^}]*} 1\\.0");

    // Expired and the provider back: a fresh answer, which replaces the entry (the stale replay was not stored).
    upstream.chatJson("Hello again!");
    HttpResponse<String> fresh = post(CHAT);
    assertThat(header(fresh, "x-switchboard-cache")).isEqualTo("MISS");
    assertThat(fresh.body()).contains("Hello again!");
    HttpResponse<String> hit = post(CHAT);
    assertThat(header(hit, "x-switchboard-cache")).isEqualTo("HIT");
    assertThat(hit.body()).contains("Hello again!");
  }

  @Test
  void aStreamIsReplayedStale() throws Exception {
    start("{mode: deterministic, ttl: 60s, serve_stale_on_error: true}");
    upstream.chatStream(FakeProvider.chatChunks("chatcmpl-1", "gpt-real", "Hel", "lo"));
    HttpResponse<String> first = post(STREAM);
    assertThat(header(first, "x-switchboard-cache")).isEqualTo("MISS");
    awaitStored(1);

    clock.advanceSeconds(120);
    failUpstream();
    HttpResponse<String> stale = post(STREAM);
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(header(stale, "x-switchboard-cache")).isEqualTo("STALE");
    assertThat(header(stale, "content-type")).startsWith("text/event-stream");
    List<String> events = SseClient.dataEvents(stale.body());
    assertThat(events).isEqualTo(SseClient.dataEvents(first.body()));
    assertThat(events).last().isEqualTo("[DONE]");
  }

  @Test
  void noEntryOrOnePastMaxStaleLetsTheErrorThrough() throws Exception {
    start("{mode: deterministic, ttl: 60s, serve_stale_on_error: true, max_stale: 5m}");
    failUpstream();
    HttpResponse<String> none = post(CHAT);
    assertThat(none.statusCode()).as("nothing cached: the provider's error").isEqualTo(503);
    assertThat(new JsonObject(none.body()).getJsonObject("error").fieldNames())
        .containsExactlyInAnyOrder("message", "type", "param", "code");

    upstream.chatJson("Hello!");
    post(CHAT);
    awaitStored(1);
    clock.advanceSeconds(60 + 5 * 60 + 1);
    failUpstream();
    HttpResponse<String> tooOld = post(CHAT);
    assertThat(tooOld.statusCode()).as("older than max_stale").isEqualTo(503);
    assertThat(header(tooOld, "x-switchboard-cache")).isEqualTo("MISS");
  }

  @Test
  void offByDefault() throws Exception {
    start("{mode: deterministic, ttl: 60s}");
    upstream.chatJson("Hello!");
    post(CHAT);
    awaitStored(1);
    clock.advanceSeconds(61);
    failUpstream();
    assertThat(post(CHAT).statusCode()).isEqualTo(503);
  }
}
