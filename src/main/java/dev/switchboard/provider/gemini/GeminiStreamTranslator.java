package dev.switchboard.provider.gemini;

import dev.switchboard.provider.ChunkStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Gemini stream frames -> OpenAI chunks. Every frame is a whole {@code GenerateContentResponse} holding the next
 * piece of each candidate: text parts become content deltas, each function call (Gemini sends them whole) a tool
 * call with its index, id, name and complete arguments. Gemini sends no {@code [DONE]}: the stream is complete once
 * every candidate it has sent has a {@code finishReason}, and a stream that ends before that was cut short. An
 * {@code error} frame fails the stream.
 */
final class GeminiStreamTranslator extends ChunkStream {
  /** Candidate index -> number of tool calls sent so far. */
  private final Map<Integer, Integer> toolCalls = new HashMap<>();
  private final TreeSet<Integer> open = new TreeSet<>();
  private final TreeSet<Integer> finished = new TreeSet<>();

  GeminiStreamTranslator(boolean clientWantsUsage, String fallbackModel) {
    super(clientWantsUsage, fallbackModel);
  }

  @Override
  protected void handle(String eventName, JsonObject data, Consumer<Buffer> emit) {
    if (data.getValue("error") instanceof JsonObject error) {
      fail(GeminiErrors.inBand(error));
      return;
    }
    identify(data.getValue("responseId") instanceof String s ? s : null,
        data.getValue("modelVersion") instanceof String s ? s : null);
    if (data.getValue("usageMetadata") instanceof JsonObject) {
      usage(GeminiReply.usage(data));
    }
    JsonArray candidates = data.getValue("candidates") instanceof JsonArray c ? c : new JsonArray();
    if (candidates.isEmpty()) {
      if (data.getValue("promptFeedback") instanceof JsonObject feedback && feedback.getValue("blockReason") != null) {
        finish(0, "content_filter", emit);
        end(emit);
      }
      return;
    }
    for (int i = 0; i < candidates.size(); i++) {
      JsonObject candidate = candidates.getValue(i) instanceof JsonObject o ? o : new JsonObject();
      int index = GeminiReply.index(candidate, i);
      if (finished.contains(index)) {
        continue;
      }
      open.add(index);
      role(index, emit);
      candidate(index, candidate, emit);
    }
    if (!finished.isEmpty() && finished.containsAll(open)) {
      end(emit);
    }
  }

  private void candidate(int index, JsonObject candidate, Consumer<Buffer> emit) {
    for (JsonObject part : GeminiReply.visibleParts(candidate)) {
      if (part.getValue("text") instanceof String text) {
        text(index, text, emit);
      }
      if (part.getValue("functionCall") instanceof JsonObject call) {
        int n = toolCalls.merge(index, 1, Integer::sum) - 1;
        toolCallStart(index, n, GeminiReply.callId(part), call.getString("name", ""),
            (call.getValue("args") instanceof JsonObject a ? a : new JsonObject()).encode(), emit);
      }
    }
    if (candidate.getValue("finishReason") instanceof String reason) {
      finished.add(index);
      finish(index, GeminiReply.finishReason(reason, toolCalls.containsKey(index)), emit);
    }
  }
}
