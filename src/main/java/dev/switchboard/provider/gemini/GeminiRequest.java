package dev.switchboard.provider.gemini;

import dev.switchboard.provider.OpenAiInput;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI requests -> Gemini requests. Chat: messages become {@code contents} with roles {@code user}/{@code model}
 * (consecutive turns of one role merged), system and developer messages {@code systemInstruction}, tools
 * {@code functionDeclarations}, tool calls and results {@code functionCall}/{@code functionResponse} parts, and the
 * sampling parameters {@code generationConfig}. Embeddings: {@code embedContent} for one input,
 * {@code batchEmbedContents} for a list.
 */
final class GeminiRequest {
  static final Set<String> CHAT_HANDLED = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "stop",
      "temperature", "top_p", "top_k", "n", "seed", "presence_penalty", "frequency_penalty", "response_format",
      "stream", "stream_options", "tools", "tool_choice");
  static final Set<String> EMBEDDINGS_HANDLED = Set.of("model", "input", "dimensions", "encoding_format");

  private GeminiRequest() {
  }

  /** Why the Gemini API cannot serve this request, or null. */
  static String unsupported(GatewayRequest request) {
    JsonObject body = request.body();
    switch (request.endpoint()) {
      case CHAT -> {
        String why = OpenAiInput.unsupportedPart(body, GeminiRequest::unsupportedPart);
        return why == null ? null : "the Gemini API cannot take this input: " + why;
      }
      case EMBEDDINGS -> {
        Object input = body.getValue("input");
        boolean text = input instanceof String
            || input instanceof JsonArray a && a.stream().allMatch(v -> v instanceof String);
        return text ? null : "the Gemini API embeds text only; token-id arrays have no equivalent.";
      }
      default -> {
        return "the Gemini API serves chat completions and embeddings only, not " + request.endpoint().path() + ".";
      }
    }
  }

  private static String unsupportedPart(JsonObject part) {
    String type = part.getString("type", "text");
    return switch (type) {
      case "text", "refusal" -> null;
      case "image_url" -> OpenAiInput.unsupportedImage(part);
      case "input_audio" -> part.getValue("input_audio") instanceof JsonObject a && a.getValue("data") instanceof String
          ? null : "input_audio needs base64 data.";
      case "file" -> OpenAiInput.fileData(part) == null ? "files must be base64 data URLs (file.file_data)." : null;
      default -> "content parts of type '" + type + "' have no equivalent.";
    };
  }

  /** The path below the API root for a model and method, e.g. {@code /models/gemini-2.5-flash:generateContent}. */
  static String path(String model, String method) {
    boolean qualified = model.startsWith("models/") || model.startsWith("tunedModels/");
    return "/" + (qualified ? model : "models/" + model) + ":" + method;
  }

  // ---- chat ------------------------------------------------------------------------------------------------------

  static JsonObject chat(JsonObject body) {
    JsonObject out = new JsonObject();
    JsonArray contents = new JsonArray();
    Map<String, String> toolNames = new HashMap<>();
    String system = OpenAiInput.splitSystem(body, m -> message(m, contents, toolNames));
    out.put("contents", contents);
    if (!system.isEmpty()) {
      out.put("systemInstruction", new JsonObject().put("parts", new JsonArray().add(text(system))));
    }
    tools(body, out);
    JsonObject generation = generationConfig(body);
    if (!generation.isEmpty()) {
      out.put("generationConfig", generation);
    }
    OpenAiInput.logDropped("gemini", body, CHAT_HANDLED);
    return out;
  }

  /** One turn that is not system text; tool calls' names are remembered for the results that answer them. */
  private static void message(JsonObject m, JsonArray contents, Map<String, String> toolNames) {
    Object content = m.getValue("content");
    switch (m.getString("role", "user")) {
      case "assistant" -> OpenAiInput.appendTurn(contents, "model", "parts", OpenAiInput.assistantItems(m,
          GeminiRequest::text, call -> {
            toolNames.put(call.id(), call.name());
            JsonObject part = new JsonObject().put("functionCall", new JsonObject().put("name", call.name())
                .put("args", call.arguments()));
            String signature = GeminiReply.signature(call.id());
            return signature == null ? part : part.put("thoughtSignature", signature);
          }));
      case "tool" -> {
        String id = m.getString("tool_call_id", "");
        String name = toolNames.getOrDefault(id, m.getValue("name") instanceof String n ? n : id);
        JsonObject response = new JsonObject().put("name", name).put("response", toolResponse(content));
        OpenAiInput.appendTurn(contents, "user", "parts", new JsonArray().add(new JsonObject().put("functionResponse", response)));
      }
      case "user" -> OpenAiInput.appendTurn(contents, "user", "parts", parts(content));
      default -> {
        // Legacy "function" messages have no id to pair with a call.
      }
    }
  }

  /** A tool result as the {@code response} object Gemini wants: JSON objects as they are, anything else wrapped. */
  private static JsonObject toolResponse(Object content) {
    String text = OpenAiInput.text(content);
    try {
      if (io.vertx.core.json.Json.decodeValue(text) instanceof JsonObject o) {
        return o;
      }
    } catch (RuntimeException notJson) {
      // plain text
    }
    return new JsonObject().put("content", text);
  }

  /** Text, images, audio and files as Gemini parts: base64 inline, web URLs by reference. */
  private static final OpenAiInput.PartMapper PARTS = new OpenAiInput.PartMapper() {
    @Override
    public JsonObject text(String text) {
      return GeminiRequest.text(text);
    }

    @Override
    public JsonObject image(String url, OpenAiInput.DataUrl data) {
      return data != null ? inline(data.mediaType(), data.base64())
          : new JsonObject().put("fileData", new JsonObject().put("mimeType", imageType(url)).put("fileUri", url));
    }

    @Override
    public JsonObject audio(String format, String base64) {
      return inline("audio/" + format, base64);
    }

    @Override
    public JsonObject file(OpenAiInput.DataUrl data) {
      return inline(data.mediaType(), data.base64());
    }
  };

  private static JsonArray parts(Object content) {
    return OpenAiInput.mapParts(content, PARTS);
  }

  private static String imageType(String url) {
    String path = url.toLowerCase(Locale.ROOT);
    int q = path.indexOf('?');
    path = q >= 0 ? path.substring(0, q) : path;
    if (path.endsWith(".png")) {
      return "image/png";
    }
    if (path.endsWith(".webp")) {
      return "image/webp";
    }
    if (path.endsWith(".gif")) {
      return "image/gif";
    }
    return "image/jpeg";
  }

  private static JsonObject inline(String mimeType, String data) {
    return new JsonObject().put("inlineData", new JsonObject().put("mimeType", mimeType).put("data", data));
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("text", text);
  }

  private static void tools(JsonObject body, JsonObject out) {
    JsonArray declarations = new JsonArray();
    for (JsonObject fn : OpenAiInput.functions(body)) {
      JsonObject d = new JsonObject().put("name", fn.getString("name", ""));
      if (fn.getValue("description") instanceof String desc) {
        d.put("description", desc);
      }
      if (fn.getValue("parameters") instanceof JsonObject p) {
        // JSON Schema as OpenAI clients write it (additionalProperties and all), not Gemini's OpenAPI subset.
        d.put("parametersJsonSchema", p);
      }
      declarations.add(d);
    }
    if (declarations.isEmpty()) {
      return;
    }
    out.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
    OpenAiInput.ToolChoice choice = OpenAiInput.ToolChoice.of(body.getValue("tool_choice"));
    if (choice != null) {
      JsonObject config = new JsonObject().put("mode", switch (choice.mode()) {
        case "none" -> "NONE";
        case "required", "function" -> "ANY";
        default -> "AUTO";
      });
      if (choice.function() != null) {
        config.put("allowedFunctionNames", new JsonArray().add(choice.function()));
      }
      out.put("toolConfig", new JsonObject().put("functionCallingConfig", config));
    }
  }

  private static JsonObject generationConfig(JsonObject body) {
    JsonObject g = new JsonObject();
    copyNumber(body, "temperature", g, "temperature");
    copyNumber(body, "top_p", g, "topP");
    copyNumber(body, "top_k", g, "topK");
    copyNumber(body, "seed", g, "seed");
    copyNumber(body, "presence_penalty", g, "presencePenalty");
    copyNumber(body, "frequency_penalty", g, "frequencyPenalty");
    copyNumber(body, "n", g, "candidateCount");
    Integer max = OpenAiInput.maxTokens(body);
    if (max != null) {
      g.put("maxOutputTokens", max);
    }
    List<String> stops = OpenAiInput.stops(body.getValue("stop"));
    if (!stops.isEmpty()) {
      g.put("stopSequences", new JsonArray(stops));
    }
    if (body.getValue("response_format") instanceof JsonObject format) {
      switch (format.getString("type", "text")) {
        case "json_object" -> g.put("responseMimeType", "application/json");
        case "json_schema" -> {
          g.put("responseMimeType", "application/json");
          if (format.getValue("json_schema") instanceof JsonObject js && js.getValue("schema") instanceof JsonObject s) {
            g.put("responseJsonSchema", s);
          }
        }
        default -> {
          // plain text is Gemini's default
        }
      }
    }
    return g;
  }

  private static void copyNumber(JsonObject from, String key, JsonObject to, String as) {
    if (from.getValue(key) instanceof Number n) {
      to.put(as, n);
    }
  }

  // ---- embeddings ------------------------------------------------------------------------------------------------

  /** Whether the embeddings request is one text (embedContent) rather than a list (batchEmbedContents). */
  static boolean singleEmbedding(JsonObject body) {
    return body.getValue("input") instanceof String;
  }

  static JsonObject embeddings(JsonObject body, String model) {
    String qualified = model.startsWith("models/") || model.startsWith("tunedModels/") ? model : "models/" + model;
    Integer dimensions = body.getValue("dimensions") instanceof Number d ? d.intValue() : null;
    OpenAiInput.logDropped("gemini", body, EMBEDDINGS_HANDLED);
    if (body.getValue("input") instanceof String s) {
      return embedRequest(qualified, s, dimensions);
    }
    JsonArray requests = new JsonArray();
    for (Object v : body.getJsonArray("input")) {
      requests.add(embedRequest(qualified, (String) v, dimensions));
    }
    return new JsonObject().put("requests", requests);
  }

  private static JsonObject embedRequest(String model, String text, Integer dimensions) {
    JsonObject r = new JsonObject().put("model", model)
        .put("content", new JsonObject().put("parts", new JsonArray().add(text(text))));
    if (dimensions != null) {
      r.put("outputDimensionality", dimensions);
    }
    return r;
  }
}
