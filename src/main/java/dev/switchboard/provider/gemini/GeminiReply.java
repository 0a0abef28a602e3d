package dev.switchboard.provider.gemini;

import dev.switchboard.provider.OpenAiShapes;
import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Gemini {@code GenerateContentResponse} -> OpenAI {@code chat.completion}; embeddings -> OpenAI's embedding list;
 * finish reasons and {@code usageMetadata} in OpenAI's terms.
 */
final class GeminiReply {
  private GeminiReply() {
  }

  /** A candidate's parts read once: text (thought summaries left out) and function calls. */
  record Parts(String text, JsonArray toolCalls) {
    static Parts of(JsonObject candidate) {
      StringBuilder text = new StringBuilder();
      JsonArray calls = new JsonArray();
      for (JsonObject part : visibleParts(candidate)) {
        if (part.getValue("text") instanceof String s) {
          text.append(s);
        }
        if (part.getValue("functionCall") instanceof JsonObject call) {
          calls.add(OpenAiShapes.toolCall(callId(part), call.getString("name", ""),
              (call.getValue("args") instanceof JsonObject a ? a : new JsonObject()).encode()));
        }
      }
      return new Parts(text.toString(), calls);
    }
  }

  /** A candidate's parts without the thought summaries of thinking models, which have no place in a reply. */
  static java.util.List<JsonObject> visibleParts(JsonObject candidate) {
    java.util.List<JsonObject> out = new java.util.ArrayList<>();
    JsonObject content = candidate.getValue("content") instanceof JsonObject c ? c : new JsonObject();
    if (content.getValue("parts") instanceof JsonArray parts) {
      for (Object o : parts) {
        if (o instanceof JsonObject part && !Boolean.TRUE.equals(part.getValue("thought"))) {
          out.add(part);
        }
      }
    }
    return out;
  }

  /** Between an invented call id and the call's thought signature (base64url) in a signed call's id. */
  private static final String SIGNATURE_MARK = "_ts_";
  private static final java.util.regex.Pattern SIGNED_ID =
      java.util.regex.Pattern.compile("call_[0-9a-f]+" + SIGNATURE_MARK + "([A-Za-z0-9_-]+)");

  /**
   * The OpenAI id of a {@code functionCall} part. Gemini function calls carry an id only sometimes; OpenAI clients
   * need one to answer the call. Gemini 3 models sign their calls ({@code thoughtSignature} on the part) and refuse a
   * later request whose history lost the signature; clients send back only the id, so a signed call's id carries the
   * signature (see {@link #signature}).
   */
  static String callId(JsonObject part) {
    if (part.getValue("thoughtSignature") instanceof String sig && !sig.isEmpty()) {
      return OpenAiShapes.newId("call_") + SIGNATURE_MARK
          + sig.replace('+', '-').replace('/', '_').replace("=", "");
    }
    JsonObject call = part.getValue("functionCall") instanceof JsonObject c ? c : new JsonObject();
    return call.getValue("id") instanceof String id && !id.isEmpty() ? id : OpenAiShapes.newId("call_");
  }

  /** The thought signature carried in a tool call id made by {@link #callId}, or null. */
  static String signature(String callId) {
    java.util.regex.Matcher m = callId == null ? null : SIGNED_ID.matcher(callId);
    if (m == null || !m.matches()) {
      return null;
    }
    String sig = m.group(1).replace('-', '+').replace('_', '/');
    return sig + "=".repeat((4 - sig.length() % 4) % 4);
  }

  /**
   * @throws IllegalArgumentException when the body is not a GenerateContentResponse
   */
  static JsonObject chat(JsonObject response, String fallbackModel) {
    rejectError(response);
    JsonArray candidates = response.getValue("candidates") instanceof JsonArray c ? c : null;
    JsonArray choices = new JsonArray();
    if (candidates == null || candidates.isEmpty()) {
      if (!(response.getValue("promptFeedback") instanceof JsonObject feedback) || feedback.getValue("blockReason") == null) {
        throw new IllegalArgumentException("the provider's reply has no candidates");
      }
      // The prompt itself was blocked: OpenAI's shape for that is an empty answer stopped by the content filter.
      choices.add(OpenAiShapes.choice(0, "", null, "content_filter"));
    } else {
      for (int i = 0; i < candidates.size(); i++) {
        JsonObject candidate = candidates.getValue(i) instanceof JsonObject o ? o : new JsonObject();
        Parts parts = Parts.of(candidate);
        String content = parts.text().isEmpty() && !parts.toolCalls().isEmpty() ? null : parts.text();
        choices.add(OpenAiShapes.choice(index(candidate, i), content, parts.toolCalls(),
            finishReason(candidate.getString("finishReason"), !parts.toolCalls().isEmpty())));
      }
    }
    String id = response.getValue("responseId") instanceof String s ? s : OpenAiShapes.newId("chatcmpl-");
    String model = response.getValue("modelVersion") instanceof String s ? s : fallbackModel;
    return OpenAiShapes.completion(id, OpenAiShapes.now(), model, choices, usage(response));
  }

  static void rejectError(JsonObject response) {
    if (response.getValue("error") instanceof JsonObject error) {
      throw new IllegalArgumentException("the provider replied 2xx with an error body: "
          + GeminiErrors.inBand(error).message());
    }
  }

  static int index(JsonObject candidate, int position) {
    return candidate.getValue("index") instanceof Number n ? n.intValue() : position;
  }

  /** Gemini's {@code finishReason} as OpenAI's; a normal stop after function calls is {@code tool_calls}. */
  static String finishReason(String reason, boolean calledTools) {
    if (reason == null) {
      return calledTools ? "tool_calls" : "stop";
    }
    return switch (reason) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
           "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
      default -> calledTools ? "tool_calls" : "stop";
    };
  }

  /**
   * {@code usageMetadata} in OpenAI's terms: thinking tokens are billed as output, so they count as completion
   * tokens; tool-use prompt tokens count as prompt tokens; cached content tokens are part of the prompt.
   */
  static Usage usage(JsonObject response) {
    if (!(response.getValue("usageMetadata") instanceof JsonObject u)) {
      return Usage.NONE;
    }
    long prompt = number(u, "promptTokenCount") + number(u, "toolUsePromptTokenCount");
    long completion = number(u, "candidatesTokenCount") + number(u, "thoughtsTokenCount");
    long total = u.getValue("totalTokenCount") instanceof Number n ? n.longValue() : prompt + completion;
    return new Usage(prompt, completion, total, number(u, "cachedContentTokenCount"));
  }

  private static long number(JsonObject o, String key) {
    return o.getValue(key) instanceof Number n ? n.longValue() : 0;
  }

  // ---- embeddings ------------------------------------------------------------------------------------------------

  /**
   * {@code {"embedding":{"values"}}} or {@code {"embeddings":[{"values"}]}} -> OpenAI's list, as floats or, when the
   * client asked for {@code encoding_format: base64} (the SDKs' default), little-endian float32 in base64.
   */
  static JsonObject embeddings(JsonObject response, String model, boolean base64) {
    rejectError(response);
    JsonArray vectors = new JsonArray();
    if (response.getValue("embedding") instanceof JsonObject one) {
      vectors.add(one);
    } else if (response.getValue("embeddings") instanceof JsonArray many) {
      vectors = many;
    } else {
      throw new IllegalArgumentException("the provider's reply has no embeddings");
    }
    JsonArray data = new JsonArray();
    for (int i = 0; i < vectors.size(); i++) {
      if (!(vectors.getValue(i) instanceof JsonObject v) || !(v.getValue("values") instanceof JsonArray values)) {
        throw new IllegalArgumentException("the provider's embedding " + i + " has no values");
      }
      data.add(new JsonObject().put("object", "embedding").put("index", i)
          .put("embedding", base64 ? base64(values) : values));
    }
    return new JsonObject().put("object", "list").put("data", data).put("model", model)
        .put("usage", new JsonObject().put("prompt_tokens", 0).put("total_tokens", 0));
  }

  private static String base64(JsonArray values) {
    ByteBuffer buf = ByteBuffer.allocate(values.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (Object v : values) {
      buf.putFloat(v instanceof Number n ? n.floatValue() : 0f);
    }
    return Base64.getEncoder().encodeToString(buf.array());
  }
}
