package dev.switchboard.server.responses;

import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.api.Usage;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.SseEvent;
import dev.switchboard.api.SseParser;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.Golden;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden tests: chat-completion chunk streams (as the gateway relays them) -> Responses events, however the bytes
 * are split, each event read back by openai-java and checked for order and consistency.
 */
class ResponsesStreamTest {
  private static final Usage ESTIMATE = new Usage(40, 6, 46, 0);

  /**
   * Feeds a chat .sse fixture through the real {@link SseParser} in reads of {@code readSize} bytes, the way the
   * caller will: each chunk's JSON to {@code onChunk}, {@code [DONE]} to {@code finish} with a usage estimate.
   */
  private static List<ResponsesEvent> run(String fixture, String request, int readSize) {
    ResponsesStream stream = new ResponsesStream(ResponsesRequest.parse(new JsonObject(request)), "resp_s1",
        1_765_000_123L);
    List<ResponsesEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(1 << 20, event -> {
      if (event.isDone()) {
        stream.finish(ESTIMATE, events::add);
      } else {
        stream.onChunk(new JsonObject(event.buffer()), events::add);
      }
    });
    byte[] body = Fixtures.bytes("responses/" + fixture);
    for (int at = 0; at < body.length; at += readSize) {
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + readSize))));
    }
    parser.finish();
    assertThat(stream.ended()).as("every stream ends with a final event").isTrue();
    assertThat(stream.response()).isEqualTo(events.get(events.size() - 1).data().getJsonObject("response"));
    return events;
  }

  private static List<ResponsesEvent> run(String fixture, int readSize) {
    return run(fixture, "{\"model\":\"gpt-4.1\",\"input\":\"Hi\",\"stream\":true}", readSize);
  }

  private static List<String> lines(List<ResponsesEvent> events) {
    return events.stream().map(e -> e.data().encode()).toList();
  }

  /** Reads of 1, 2, 3 and 7 bytes split every event, line and multi-byte character; 65536 is one read. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 65536})
  void textWithUnicodeEmptyDeltasAndFinishInTheLastContentChunk(int readSize) {
    List<ResponsesEvent> events = run("text.sse", readSize);

    Golden.assertMatches(lines(events), "responses/text.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(done.status()).contains(ResponseStatus.COMPLETED);
    assertThat(done.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Héllo wörld, 世界 🌍!");
    assertThat(done.usage().orElseThrow().inputTokens()).isEqualTo(21);
    assertThat(done.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(5);
    assertThat(done.usage().orElseThrow().outputTokensDetails().reasoningTokens()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 65536})
  void textThenParallelToolCallsWithArgumentsInterleavedOverManyDeltas(int readSize) {
    List<ResponsesEvent> events = run("tools.sse", readSize);

    Golden.assertMatches(lines(events), "responses/tools.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(done.output()).hasSize(3);
    assertThat(done.output().get(1).asFunctionCall().arguments()).isEqualTo("{\"city\": \"Paris\"}");
    assertThat(new JsonObject(done.output().get(2).asFunctionCall().arguments()))
        .isEqualTo(new JsonObject().put("city", "東京"));
    assertThat(done.output().get(2).asFunctionCall().callId()).isEqualTo("call_tokyo");
    assertThat(done.usage().orElseThrow().totalTokens()).isEqualTo(129);
  }

  @Test
  void toolCallsWithoutTextStartAtOutputIndexZero() {
    List<ResponsesEvent> events = run("tools-only.sse", 65536);

    Golden.assertMatches(lines(events), "responses/tools-only.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(done.output()).extracting(item -> item.asFunctionCall().name()).containsExactly("get_time", "get_date");
  }

  @Test
  void refusalDeltasBecomeTheMessagesRefusalPart() {
    List<ResponsesEvent> events = run("refusal.sse", 65536);

    Golden.assertMatches(lines(events), "responses/refusal.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(done.output().get(0).asMessage().content().get(0).asRefusal().refusal())
        .isEqualTo("I'm sorry, I can't help with that.");
    assertThat(events).extracting(ResponsesEvent::type).contains("response.refusal.delta", "response.refusal.done");
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 65536})
  void lengthEndsWithResponseIncompleteForMaxOutputTokens(int readSize) {
    List<ResponsesEvent> events = run("length.sse", readSize);

    Golden.assertMatches(lines(events), "responses/length.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(events.get(events.size() - 1).type()).isEqualTo("response.incomplete");
    assertThat(done.incompleteDetails().orElseThrow().reason().orElseThrow().asString()).isEqualTo("max_output_tokens");
    assertThat(done.output().get(0).asMessage().status().asString()).isEqualTo("incomplete");
  }

  @Test
  void contentFilterWithoutAUsageChunkTakesTheCallersEstimate() {
    List<ResponsesEvent> events = run("content-filter.sse", 65536);

    Golden.assertMatches(lines(events), "responses/content-filter.expected.jsonl");
    Response done = checkConsistent(events);
    assertThat(done.incompleteDetails().orElseThrow().reason().orElseThrow().asString()).isEqualTo("content_filter");
    assertThat(done.usage().orElseThrow().inputTokens()).as("the estimate the caller passed to finish").isEqualTo(40);
    assertThat(done.model().asString()).isEqualTo("gemini-2.5-flash");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 65536})
  void inBandErrorMidStreamEndsWithResponseFailedNeverSilently(int readSize) {
    List<ResponsesEvent> events = run("error-midstream.sse", readSize);

    Golden.assertMatches(lines(events), "responses/error-midstream.expected.jsonl");
    checkConsistent(events);
    ResponsesEvent last = events.get(events.size() - 1);
    assertThat(last.type()).as("[DONE] after the error adds nothing").isEqualTo("response.failed");
    Response failed = SdkModels.event(last.data()).asFailed().response();
    assertThat(failed.status()).contains(ResponseStatus.FAILED);
    assertThat(failed.error().orElseThrow().message()).isEqualTo("The upstream connection was reset mid-stream.");
    assertThat(failed.error().orElseThrow().code().asString()).isEqualTo("server_error");
    assertThat(failed.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("Partial ans");
  }

  @Test
  void failCalledByTheCallerEndsTheStreamAndNothingFollows() {
    ResponsesStream stream = new ResponsesStream(ResponsesRequest.parse(new JsonObject(
        "{\"model\":\"m\",\"input\":\"x\",\"stream\":true}")), "resp_f", 1L);
    List<ResponsesEvent> events = new ArrayList<>();
    stream.onChunk(new JsonObject("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}"), events::add);
    stream.fail(new ApiError(429, ApiError.RATE_LIMIT, "Slow down.", null, "rate_limited"), events::add);
    stream.onChunk(new JsonObject("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}"), events::add);
    stream.finish(null, events::add);

    assertThat(events).extracting(ResponsesEvent::type).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.failed");
    assertThat(events.get(5).data().getJsonObject("response").getJsonObject("error"))
        .isEqualTo(new JsonObject().put("code", "rate_limit_exceeded").put("message", "Slow down."));
    checkConsistent(events);
  }

  @Test
  void framesAreEventAndDataLinesWithoutDoneAndParseBackToTheSameEvents() {
    List<ResponsesEvent> events = run("tools.sse", 65536);
    Buffer wire = Buffer.buffer();
    events.forEach(e -> wire.appendBuffer(e.toSse()));
    List<SseEvent> parsed = new ArrayList<>();
    SseParser parser = new SseParser(1 << 20, parsed::add);
    parser.feed(wire);
    parser.finish();

    assertThat(wire.toString(StandardCharsets.UTF_8)).startsWith("event: response.created\ndata: {\"type\":\"response.created\",")
        .doesNotContain("[DONE]").endsWith("}\n\n");
    assertThat(parsed).hasSize(events.size());
    for (int i = 0; i < parsed.size(); i++) {
      assertThat(parsed.get(i).event()).isEqualTo(events.get(i).type());
      assertThat(new JsonObject(parsed.get(i).buffer())).isEqualTo(events.get(i).data());
    }
  }

  @Test
  void responseCreatedEchoesTheRequestAndHasNoOutputYet() {
    List<ResponsesEvent> events = run("text.sse", "{\"model\":\"gpt-4.1\",\"input\":\"Hi\",\"stream\":true,"
        + "\"instructions\":\"Be brief.\",\"temperature\":0.2,\"metadata\":{\"a\":\"b\"}}", 65536);
    JsonObject created = events.get(0).data().getJsonObject("response");

    assertThat(created.getString("status")).isEqualTo("in_progress");
    assertThat(created.getJsonArray("output")).isEmpty();
    assertThat(created.getValue("usage")).isNull();
    assertThat(created.getString("instructions")).isEqualTo("Be brief.");
    assertThat(created.getDouble("temperature")).isEqualTo(0.2);
    assertThat(created.getJsonObject("metadata")).isEqualTo(new JsonObject().put("a", "b"));
    assertThat(SdkModels.event(events.get(0).data()).isCreated()).isTrue();
  }

  /**
   * What every stream must satisfy: each event parses with openai-java; sequence numbers count up from 0; created
   * and in_progress first and one final event last; items are added in output order, get their deltas only while
   * open, and their done events carry the concatenation of those deltas; the final response's output is the items
   * as they were done. Returns the final response as the SDK reads it.
   */
  private static Response checkConsistent(List<ResponsesEvent> events) {
    assertThat(events.get(0).type()).isEqualTo("response.created");
    assertThat(events.get(1).type()).isEqualTo("response.in_progress");
    Map<String, StringBuilder> deltas = new HashMap<>();
    Map<String, Integer> indexOf = new HashMap<>();
    Map<Integer, JsonObject> doneItems = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      ResponsesEvent event = events.get(i);
      JsonObject data = event.data();
      ResponseStreamEvent sdk = SdkModels.event(data);
      assertThat(sdk).isNotNull();
      assertThat(data.getString("type")).isEqualTo(event.type());
      assertThat(data.getInteger("sequence_number")).as("sequence_number of event " + i).isEqualTo(i);
      boolean terminal = event.type().equals("response.completed") || event.type().equals("response.incomplete")
          || event.type().equals("response.failed");
      assertThat(terminal).as("only the last event is final: " + event.type()).isEqualTo(i == events.size() - 1);
      String itemId = data.getString("item_id");
      switch (event.type()) {
        case "response.output_item.added" -> {
          JsonObject item = data.getJsonObject("item");
          assertThat(data.getInteger("output_index")).as("items are added in output order").isEqualTo(indexOf.size());
          assertThat(item.getString("status")).isEqualTo("in_progress");
          indexOf.put(item.getString("id"), data.getInteger("output_index"));
          deltas.put(item.getString("id"), new StringBuilder());
        }
        case "response.output_text.delta", "response.function_call_arguments.delta", "response.refusal.delta" -> {
          assertThat(indexOf).containsKey(itemId);
          assertThat(doneItems).doesNotContainKey(indexOf.get(itemId));
          assertThat(data.getInteger("output_index")).isEqualTo(indexOf.get(itemId));
          assertThat(data.getString("delta")).isNotEmpty();
          deltas.get(itemId).append(data.getString("delta"));
        }
        case "response.output_text.done" -> assertThat(data.getString("text")).isEqualTo(deltas.get(itemId).toString());
        case "response.refusal.done" -> assertThat(data.getString("refusal")).isEqualTo(deltas.get(itemId).toString());
        case "response.function_call_arguments.done" ->
            assertThat(data.getString("arguments")).isEqualTo(deltas.get(itemId).toString());
        case "response.output_item.done" -> {
          JsonObject item = data.getJsonObject("item");
          assertThat(data.getInteger("output_index")).isEqualTo(indexOf.get(item.getString("id")));
          doneItems.put(data.getInteger("output_index"), item);
        }
        default -> {
        }
      }
    }
    JsonObject last = events.get(events.size() - 1).data().getJsonObject("response");
    JsonArray output = last.getJsonArray("output");
    assertThat(output).hasSize(indexOf.size());
    if (!events.get(events.size() - 1).type().equals("response.failed")) {
      assertThat(doneItems).hasSize(indexOf.size());
      for (int i = 0; i < output.size(); i++) {
        assertThat(output.getJsonObject(i)).isEqualTo(doneItems.get(i));
      }
      assertThat(last.getValue("usage")).as("usage reaches the final event").isNotNull();
    }
    return SdkModels.response(last);
  }
}
