package dev.switchboard.routing;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.LogCapture;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TimedUpstream;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mid-stream resume against real local upstreams: provider {@code a} streams a deterministic text word by word and
 * resets its connection after a chosen number of content events; provider {@code c} reads the continuation request
 * (the delivered text as a partial assistant turn, then the instruction to go on) and streams the rest of the text,
 * sometimes repeating the end of what was delivered. The client must see the whole text once, in one stream.
 */
class StreamResumeTest extends RoutingTestBase {
  private static final int WORDS = 40;
  private static final List<String> PIECES = new ArrayList<>();
  private static final String FULL;

  static {
    StringBuilder full = new StringBuilder();
    for (int i = 0; i < WORDS; i++) {
      String piece = "word" + i + (i % 7 == 6 ? ".\n" : " ");
      PIECES.add(piece);
      full.append(piece);
    }
    FULL = full.toString();
  }

  private TimedUpstream cutter;
  private TimedUpstream finisher;
  /** Content events {@code a} sends before it resets the connection. */
  private volatile int cutAfter = 5;
  /** How many characters of the delivered text {@code c} repeats before the rest. */
  private volatile int repeat;
  private final List<JsonObject> continuations = new CopyOnWriteArrayList<>();
  private LogCapture accessLog;

  @BeforeEach
  void upstreams() {
    accessLog = LogCapture.start("switchboard.access");
    cutter = new TimedUpstream();
    cutter.behaviour((req, body) -> cutStream(req, PIECES, cutAfter));
    finisher = new TimedUpstream();
    finisher.behaviour((req, body) -> {
      continuations.add(body);
      JsonArray messages = body.getJsonArray("messages");
      JsonObject partial = messages.getJsonObject(messages.size() - 2);
      String delivered = partial.getString("content");
      int from = Math.max(0, delivered.length() - Math.min(repeat, delivered.length()));
      String rest = FULL.substring(from);
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < rest.length(); i += 5) {
        pieces.add(rest.substring(i, Math.min(rest.length(), i + 5)));
      }
      TimedUpstream.stream(req, "chatcmpl-c", pieces);
    });
  }

  @AfterEach
  void stopUpstreams() {
    accessLog.close();
    cutter.close();
    finisher.close();
  }

  /** Role chunk, {@code n} content events, then the connection reset once they are written. */
  private static void cutStream(HttpServerRequest req, List<String> pieces, int n) {
    HttpServerResponse resp = TimedUpstream.sseHead(req);
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-a", "m1", pieces.toArray(String[]::new));
    for (int i = 0; i < n; i++) {
      TimedUpstream.event(resp, chunks.get(i));
    }
    resp.write("data: " + chunks.get(n) + "\n\n").onComplete(v -> resp.reset());
  }

  private void startResuming(String resume) {
    start(routing("priority", "{per_provider: 0}", "{failure_threshold: 100}", resume)
        + "providers:\n" + provider("a", cutter.baseUrl(), "m1", "") + provider("c", finisher.baseUrl(), "m1", ""));
  }

  private HttpResponse<String> stream(boolean usage) throws Exception {
    JsonObject body = new JsonObject(streamBody("m1"));
    if (usage) {
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    return gateway.post(CHAT_PATH, body.encode());
  }

  private static List<JsonObject> chunks(HttpResponse<String> resp) {
    List<JsonObject> out = new ArrayList<>();
    for (String e : SseClient.dataEvents(resp.body())) {
      if (!e.equals("[DONE]")) {
        out.add(new JsonObject(e));
      }
    }
    return out;
  }

  private static String text(HttpResponse<String> resp) {
    StringBuilder text = new StringBuilder();
    for (JsonObject c : chunks(resp)) {
      JsonArray choices = c.getJsonArray("choices");
      if (choices != null && !choices.isEmpty()) {
        text.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
      }
    }
    return text.toString();
  }

  private double resumes(String result) {
    Counter c = gateway.switchboard().services().prometheus().find("switchboard_stream_resumes")
        .tags("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aStreamCutAtARandomPointIsCompletedOnAnotherProviderWithNoDuplicateOrMissingText() throws Exception {
    startResuming("  resume: {enabled: true}\n");
    Random random = new Random(18);
    int runs = 10;
    for (int i = 0; i < runs; i++) {
      cutAfter = 1 + random.nextInt(WORDS - 1);
      repeat = List.of(0, 0, 1, 12, 30).get(random.nextInt(5));
      HttpResponse<String> resp = stream(false);

      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(text(resp)).as("cut after %d events, %d characters repeated", cutAfter, repeat).isEqualTo(FULL);
      List<JsonObject> chunks = chunks(resp);
      Set<String> ids = new HashSet<>();
      Set<String> models = new HashSet<>();
      long finishes = 0;
      long roles = 0;
      for (JsonObject c : chunks) {
        ids.add(c.getString("id"));
        models.add(c.getString("model"));
        JsonObject choice = c.getJsonArray("choices").getJsonObject(0);
        finishes += choice.getValue("finish_reason") != null ? 1 : 0;
        roles += choice.getJsonObject("delta").containsKey("role") ? 1 : 0;
      }
      assertThat(ids).as("one answer: the first provider's id throughout").containsExactly("chatcmpl-a");
      assertThat(models).containsExactly("m1");
      assertThat(finishes).isEqualTo(1);
      assertThat(roles).isEqualTo(1);
      assertThat(resp.body()).contains(": x-switchboard-resumed c\n").doesNotContain("\"error\"");
      assertThat(SseClient.dataEvents(resp.body())).last().isEqualTo("[DONE]");
    }
    assertThat(continuations).hasSize(runs);
    JsonArray messages = continuations.get(0).getJsonArray("messages");
    assertThat(messages.getJsonObject(messages.size() - 2).getString("role")).isEqualTo("assistant");
    assertThat(messages.getJsonObject(messages.size() - 1).getString("content")).contains("exactly where it stops");
    await().atMost(30, TimeUnit.SECONDS).until(() -> resumes("completed") == runs);
    await().atMost(30, TimeUnit.SECONDS).until(() -> accessLog.messages().stream().filter(l -> l.contains("a:cut,c:resumed"))
        .count() == runs);
  }

  @Test
  void theClientsUsageIsBothAttemptsTokens() throws Exception {
    startResuming("  resume: {enabled: true}\n");
    cutAfter = 8;
    HttpResponse<String> resp = stream(true);

    assertThat(text(resp)).isEqualTo(FULL);
    List<JsonObject> chunks = chunks(resp);
    JsonObject usage = chunks.get(chunks.size() - 1).getJsonObject("usage");
    int continuationPieces = (FULL.length() - String.join("", PIECES.subList(0, 8)).length() + 4) / 5;
    assertThat(usage.getLong("completion_tokens")).as("the cut attempt's estimate plus the continuation's own")
        .isGreaterThan(continuationPieces);
    assertThat(usage.getLong("total_tokens"))
        .isEqualTo(usage.getLong("prompt_tokens") + usage.getLong("completion_tokens"));
  }

  @Test
  void theOfficialOpenAiClientAssemblesAResumedStream() throws Exception {
    startResuming("  resume: {enabled: true}\n");
    cutAfter = 17;
    repeat = 12;
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey("none")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    try {
      StringBuilder text = new StringBuilder();
      List<String> finishes = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model("m1").addUserMessage("hi").build())) {
        stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
          choice.delta().content().ifPresent(text::append);
          choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
        }));
      }
      assertThat(text.toString()).isEqualTo(FULL);
      assertThat(finishes).containsExactly("stop");
    } finally {
      client.close();
    }
  }

  @Test
  void aToolCallStreamCutMidArgumentsEndsWithTheInBandErrorAndIsNotResumed() throws Exception {
    startResuming("  resume: {enabled: true}\n");
    cutter.behaviour((req, body) -> {
      HttpServerResponse resp = TimedUpstream.sseHead(req);
      TimedUpstream.event(resp, FakeProvider.chunk("chatcmpl-a", "m1", new JsonObject().put("role", "assistant")
          .putNull("content").put("tool_calls", new JsonArray().add(new JsonObject().put("index", 0)
              .put("id", "call_1").put("type", "function").put("function", new JsonObject().put("name", "lookup")
                  .put("arguments", "")))), null).encode());
      resp.write("data: " + FakeProvider.chunk("chatcmpl-a", "m1", new JsonObject().put("tool_calls", new JsonArray()
          .add(new JsonObject().put("index", 0).put("function", new JsonObject().put("arguments", "{\"q\":\"ha")))),
          null).encode() + "\n\n").onComplete(v -> resp.reset());
    });

    HttpResponse<String> resp = stream(false);
    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events.get(events.size() - 2)).contains("\"error\"");
    assertThat(events).last().isEqualTo("[DONE]");
    assertThat(resp.body()).doesNotContain("x-switchboard-resumed");
    assertThat(finisher.requests()).isZero();
  }

  @Test
  void offByDefaultACutStreamEndsWithTheInBandErrorAsBefore() throws Exception {
    startResuming("");
    cutAfter = 6;

    HttpResponse<String> resp = stream(false);
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(text(resp)).isEqualTo(String.join("", PIECES.subList(0, 6)));
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events.get(events.size() - 2)).contains("\"error\"");
    assertThat(events).last().isEqualTo("[DONE]");
    assertThat(finisher.requests()).isZero();
  }

  @Test
  void theAliasTurnsResumeOnForItsStreams() throws Exception {
    start(routing("priority", "{per_provider: 0}", "{failure_threshold: 100}", "")
        + "providers:\n" + provider("a", cutter.baseUrl(), "m1", "") + provider("c", finisher.baseUrl(), "m1", "")
        + "models:\n  resumed:\n    resume: true\n    targets: [{provider: a, model: m1}, {provider: c, model: m1}]\n");
    cutAfter = 3;

    HttpResponse<String> resp = gateway.post(CHAT_PATH, streamBody("resumed"));
    assertThat(text(resp)).isEqualTo(FULL);
    assertThat(finisher.requests()).isEqualTo(1);
  }

  @Test
  void aMessagesFrontEndStreamTranslatedThroughChatIsResumedToo() throws Exception {
    startResuming("  resume: {enabled: true}\n");
    cutAfter = 11;
    repeat = 12;

    HttpResponse<String> resp = gateway.post("/v1/messages", "{\"model\": \"m1\", \"max_tokens\": 100, "
        + "\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    List<String> types = new ArrayList<>();
    for (String e : SseClient.dataEvents(resp.body())) {
      JsonObject event = new JsonObject(e);
      types.add(event.getString("type"));
      if ("content_block_delta".equals(event.getString("type"))) {
        text.append(event.getJsonObject("delta").getString("text"));
      }
    }
    assertThat(text.toString()).isEqualTo(FULL);
    assertThat(types.stream().filter("message_start"::equals).count()).isEqualTo(1);
    assertThat(types).doesNotContain("error").last().isEqualTo("message_stop");
  }
}
