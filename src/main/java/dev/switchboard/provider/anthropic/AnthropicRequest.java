package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.OpenAiInput;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * OpenAI chat request -> Anthropic Messages request. System and developer messages become {@code system}; user and
 * assistant turns are merged so roles alternate; tool calls and tool results become {@code tool_use} and
 * {@code tool_result} blocks; images become image blocks. Parameters the Messages API lacks are dropped.
 */
final class AnthropicRequest {
  /** The request fields this translation reads; every other one is dropped (and named in the debug log). */
  static final Set<String> HANDLED = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "stop",
      "temperature", "top_p", "top_k", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user",
      "n", GatewayRequest.ANTHROPIC_EXTRAS);

  private AnthropicRequest() {
  }

  /** Why the Messages API cannot serve this request, or null. */
  static String unsupported(GatewayRequest request) {
    if (request.endpoint() != Endpoint.CHAT) {
      return "Anthropic's Messages API serves chat completions only, not " + request.endpoint().path() + ".";
    }
    if (OpenAiInput.choices(request.body()) > 1) {
      return "Anthropic's Messages API returns one choice per request ('n' must be 1).";
    }
    String why = OpenAiInput.unsupportedPart(request.body(), AnthropicRequest::unsupportedPart);
    return why == null ? null : "Anthropic's Messages API cannot take this input: " + why;
  }

  private static String unsupportedPart(JsonObject part) {
    String type = part.getString("type", "text");
    return switch (type) {
      case "text", "refusal" -> null;
      case "image_url" -> OpenAiInput.unsupportedImage(part);
      case "file" -> {
        OpenAiInput.DataUrl data = OpenAiInput.fileData(part);
        yield data != null && "application/pdf".equals(data.mediaType()) ? null
            : "files must be base64 PDF data (file.file_data: data:application/pdf;base64,…).";
      }
      default -> "content parts of type '" + type + "' have no equivalent.";
    };
  }

  static JsonObject build(JsonObject body, String model, int defaultMaxTokens, boolean stream) {
    JsonObject out = new JsonObject().put("model", model);
    JsonArray messages = new JsonArray();
    String system = OpenAiInput.splitSystem(body, m -> message(m, messages));
    if (!system.isEmpty()) {
      out.put("system", system);
    }
    out.put("messages", messages);
    Integer maxTokens = OpenAiInput.maxTokens(body);
    out.put("max_tokens", maxTokens == null ? defaultMaxTokens : maxTokens);
    List<String> stops = OpenAiInput.stops(body.getValue("stop"));
    if (!stops.isEmpty()) {
      out.put("stop_sequences", new JsonArray(stops));
    }
    if (body.getValue("temperature") instanceof Number t) {
      // OpenAI's range is 0..2, Anthropic's 0..1.
      out.put("temperature", Math.min(1.0, Math.max(0.0, t.doubleValue())));
    }
    if (body.getValue("top_p") instanceof Number p) {
      out.put("top_p", p);
    }
    if (body.getValue("top_k") instanceof Number k) {
      out.put("top_k", k);
    }
    if (body.getValue(GatewayRequest.ANTHROPIC_EXTRAS) instanceof JsonObject extras) {
      // What an Anthropic-protocol client asked for that chat cannot say: passed on as it came.
      if (extras.getValue("top_k") instanceof Number k) {
        out.put("top_k", k);
      }
      if (extras.getValue("thinking") instanceof JsonObject thinking) {
        out.put("thinking", thinking.copy());
      }
    }
    if (stream) {
      out.put("stream", true);
    }
    if (body.getValue("user") instanceof String user && !user.isEmpty()) {
      out.put("metadata", new JsonObject().put("user_id", user));
    }
    tools(body, out);
    OpenAiInput.logDropped("anthropic", body, HANDLED);
    return out;
  }

  /** One turn that is not system text. */
  private static void message(JsonObject m, JsonArray messages) {
    Object content = m.getValue("content");
    switch (m.getString("role", "user")) {
      case "assistant" -> OpenAiInput.appendTurn(messages, "assistant", "content", OpenAiInput.assistantItems(m,
          AnthropicRequest::textBlock, call -> new JsonObject().put("type", "tool_use").put("id", call.id())
              .put("name", call.name()).put("input", call.arguments())));
      case "tool" -> {
        JsonObject result = new JsonObject().put("type", "tool_result")
            .put("tool_use_id", m.getString("tool_call_id", ""));
        if (content instanceof JsonArray) {
          result.put("content", blocks(content));
        } else {
          result.put("content", content == null ? "" : content.toString());
        }
        OpenAiInput.appendTurn(messages, "user", "content", new JsonArray().add(result));
      }
      case "user" -> OpenAiInput.appendTurn(messages, "user", "content", blocks(content));
      default -> {
        // Legacy "function" messages have no id to pair with a tool_use block.
      }
    }
  }

  /** Text, images (base64 or URL) and PDF files as Messages content blocks. */
  private static final OpenAiInput.PartMapper BLOCKS = new OpenAiInput.PartMapper() {
    @Override
    public JsonObject text(String text) {
      return textBlock(text);
    }

    @Override
    public JsonObject image(String url, OpenAiInput.DataUrl data) {
      return new JsonObject().put("type", "image").put("source", data != null ? base64(data)
          : new JsonObject().put("type", "url").put("url", url));
    }

    @Override
    public JsonObject file(OpenAiInput.DataUrl data) {
      return "application/pdf".equals(data.mediaType())
          ? new JsonObject().put("type", "document").put("source", base64(data)) : null;
    }
  };

  private static JsonArray blocks(Object content) {
    return OpenAiInput.mapParts(content, BLOCKS);
  }

  private static JsonObject base64(OpenAiInput.DataUrl data) {
    return new JsonObject().put("type", "base64").put("media_type", data.mediaType()).put("data", data.base64());
  }

  private static JsonObject textBlock(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static void tools(JsonObject body, JsonObject out) {
    JsonArray tools = new JsonArray();
    for (JsonObject fn : OpenAiInput.functions(body)) {
      JsonObject schema = fn.getValue("parameters") instanceof JsonObject p ? p
          : new JsonObject().put("type", "object").put("properties", new JsonObject());
      JsonObject tool = new JsonObject().put("name", fn.getString("name", ""));
      if (fn.getValue("description") instanceof String d) {
        tool.put("description", d);
      }
      tools.add(tool.put("input_schema", schema));
    }
    if (tools.isEmpty()) {
      // Anthropic refuses a tool_choice without tools
      return;
    }
    out.put("tools", tools);
    OpenAiInput.ToolChoice given = OpenAiInput.ToolChoice.of(body.getValue("tool_choice"));
    JsonObject choice = given == null ? null : switch (given.mode()) {
      case "required" -> new JsonObject().put("type", "any");
      case "function" -> new JsonObject().put("type", "tool").put("name", given.function());
      default -> new JsonObject().put("type", given.mode());
    };
    if (Boolean.FALSE.equals(body.getValue("parallel_tool_calls"))) {
      if (choice == null) {
        choice = new JsonObject().put("type", "auto");
      }
      if (!"none".equals(choice.getString("type"))) {
        choice.put("disable_parallel_tool_use", true);
      }
    }
    if (choice != null) {
      out.put("tool_choice", choice);
    }
  }
}
