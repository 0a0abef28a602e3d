package dev.switchboard.cache;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.SseClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.switchboard.cache.CacheGateway.cacheHeader;
import static dev.switchboard.testing.Metrics.sum;
import static org.assertj.core.api.Assertions.assertThat;

/** Streams: recorded as the client received them, replayed byte for byte; cut or failed streams never stored. */
class CacheStreamTest {
  private static final String STREAM = """
      {"model":"gpt-real","stream":true,"temperature":0,"messages":[{"role":"user","content":"Say hello"}]}""";
  private static final List<String> CHUNKS = FakeProvider.chatChunks("chatcmpl-s1", "gpt-real", "Hel", "lo", ", ",
      "world", "!");
  private CacheGateway gw;

  @BeforeEach
  void start() {
    gw = new CacheGateway("");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  /** SSE for stream requests, a whole JSON reply otherwise. */
  private void stubBoth(String sseBody) {
    gw.upstream.chatJson("Hello, world!");
    gw.upstream.stub(post(urlPathEqualTo("/v1/chat/completions"))
        .withRequestBody(matchingJsonPath("$.stream", equalTo("true"))).atPriority(1)
        .willReturn(FakeProvider.sseReply(sseBody).withChunkedDribbleDelay(7, 70)));
  }

  @Test
  void aStreamIsRecordedAsTheClientGotItAndReplayedByteForByte() throws Exception {
    stubBoth(FakeProvider.sse(CHUNKS));
    HttpResponse<String> first = gw.chat(STREAM);
    HttpResponse<String> second = gw.chat(STREAM);

    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.headers().firstValue("age")).hasValue("0");
    assertThat(second.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(second.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(second.body()).isEqualTo(first.body());

    List<String> events = SseClient.dataEvents(second.body());
    // The usage chunk the gateway asked for upstream was removed (the client did not ask), before recording.
    assertThat(events).containsExactlyElementsOf(SseClient.withDone(CHUNKS.subList(0, CHUNKS.size() - 1)));
    assertThat(second.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
    assertThat(gw.chatCalls()).isEqualTo(1);
  }

  @Test
  void aStreamAsksForUsageIsAnotherEntryWithItsUsageChunk() throws Exception {
    stubBoth(FakeProvider.sse(CHUNKS));
    String withUsage = STREAM.replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    gw.chat(STREAM);
    HttpResponse<String> first = gw.chat(withUsage);
    HttpResponse<String> second = gw.chat(withUsage);
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(SseClient.dataEvents(second.body())).containsExactlyElementsOf(SseClient.withDone(CHUNKS));
  }

  @Test
  void streamAndWholeRepliesNeverAnswerEachOther() throws Exception {
    stubBoth(FakeProvider.sse(CHUNKS));
    String whole = STREAM.replace("\"stream\":true,", "");
    assertThat(cacheHeader(gw.chat(STREAM))).isEqualTo("MISS");
    HttpResponse<String> json = gw.chat(whole);
    assertThat(cacheHeader(json)).isEqualTo("MISS");
    assertThat(new JsonObject(json.body()).getString("object")).isEqualTo("chat.completion");
    HttpResponse<String> jsonHit = gw.chat(whole);
    assertThat(cacheHeader(jsonHit)).isEqualTo("HIT");
    assertThat(jsonHit.body()).isEqualTo(json.body());
    HttpResponse<String> streamHit = gw.chat(STREAM);
    assertThat(cacheHeader(streamHit)).isEqualTo("HIT");
    assertThat(streamHit.body()).startsWith("data: ");
    assertThat(gw.chatCalls()).isEqualTo(2);
  }

  @Test
  void aWholeReplyConvertedToAStreamIsRecordedAsTheStreamTheClientGot() throws Exception {
    gw.upstream.chatJson("converted");
    HttpResponse<String> first = gw.chat(STREAM);
    HttpResponse<String> second = gw.chat(STREAM);
    assertThat(first.body()).contains("converted").endsWith("data: [DONE]\n\n");
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void aStreamCutBeforeDoneIsNotCached() throws Exception {
    String cut = FakeProvider.sse(CHUNKS.subList(0, 3)).replace("data: [DONE]\n\n", "");
    gw.upstream.stub("/chat/completions", FakeProvider.sseReply(cut));
    HttpResponse<String> first = gw.chat(STREAM);
    assertThat(first.body()).contains("\"error\"").endsWith("data: [DONE]\n\n");
    HttpResponse<String> second = gw.chat(STREAM);
    assertThat(cacheHeader(second)).isEqualTo("MISS");
    assertThat(gw.chatCalls()).isEqualTo(2);
    assertThat(sum(gw.metrics(), "switchboard_cache_stores_total", "result=\"incomplete\"")).isEqualTo(2.0);
  }

  @Test
  void aStreamEndingInAnInBandErrorIsNotCached() throws Exception {
    List<String> events = new ArrayList<>(CHUNKS.subList(0, 3));
    events.add(FakeProvider.errorBody("server_error", "overloaded", "The model is overloaded.").encode());
    gw.upstream.stub("/chat/completions", FakeProvider.sseReply(FakeProvider.sse(events)));
    HttpResponse<String> first = gw.chat(STREAM);
    assertThat(SseClient.dataEvents(first.body())).anySatisfy(e -> assertThat(e).contains("\"error\""));
    assertThat(cacheHeader(gw.chat(STREAM))).isEqualTo("MISS");
    assertThat(gw.chatCalls()).isEqualTo(2);
  }

  @Test
  void aStreamThatStoppedAtTheLengthLimitIsNotCached() throws Exception {
    List<String> events = new ArrayList<>(CHUNKS.subList(0, 3));
    events.add(FakeProvider.chunk("chatcmpl-s1", "gpt-real", new JsonObject(), "length").encode());
    gw.upstream.stub("/chat/completions", FakeProvider.sseReply(FakeProvider.sse(events)));
    assertThat(cacheHeader(gw.chat(STREAM))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(STREAM))).isEqualTo("MISS");
    assertThat(sum(gw.metrics(), "switchboard_cache_stores_total", "result=\"truncated\"")).isEqualTo(2.0);
  }

  @Test
  void aPacedReplayIsTheSameStream() throws Exception {
    try (CacheGateway paced = new CacheGateway("  replay_interval: 5ms\n")) {
      paced.upstream.chatStream(CHUNKS);
      HttpResponse<String> first = paced.chat(STREAM);
      HttpResponse<String> second = paced.chat(STREAM);
      assertThat(cacheHeader(second)).isEqualTo("HIT");
      assertThat(second.body()).isEqualTo(first.body());
    }
  }

  @Test
  void completionsStreamsAreCachedToo() throws Exception {
    String chunk = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"gpt-real\","
        + "\"choices\":[{\"text\":\"%s\",\"index\":0,\"finish_reason\":%s}]}";
    gw.upstream.stub("/completions", FakeProvider.sseReply(FakeProvider.sse(List.of(chunk.formatted("Hi", "null"),
        chunk.formatted(" there", "\"stop\"")))));
    String body = "{\"model\":\"gpt-real\",\"prompt\":\"Say hi\",\"stream\":true,\"seed\":1}";
    HttpResponse<String> first = gw.post("/v1/completions", body, CacheGateway.TEAM_A);
    HttpResponse<String> second = gw.post("/v1/completions", body, CacheGateway.TEAM_A);
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body()).contains(" there");
    assertThat(gw.upstreamCalls("/completions")).isEqualTo(1);
  }
}
