package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.OpenAiInput;
import dev.switchboard.server.Endpoint;
import dev.switchboard.server.GatewayRequest;
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
      "n");

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
    if (request.body().getValue("messages") instanceof JsonArray messages) {
      for (Object m : messages) {
        if (m instanceof JsonObject message) {
          for (JsonObject part : OpenAiInput.parts(message.getValue("content"))) {
            String why = unsupportedPart(part);
            if (why != null) {
              return "Anthropic's Messages API cannot take this input: " + why;
            }
          }
        }
      }
    }
    return null;
  }

  private static String unsupportedPart(JsonObject part) {
    String type = part.getString("type", "text");
    return switch (type) {
      case "text", "refusal" -> null;
      case "image_url" -> OpenAiInput.unsupportedImage(part);
      case "file" -> pdf(part) == null ? "files must be base64 PDF data (file.file_data: data:application/pdf;base64,…)."
          : null;
      default -> "content parts of type '" + type + "' have no equivalent.";
    };
  }

  private static OpenAiInput.DataUrl pdf(JsonObject part) {
    if (part.getValue("file") instanceof JsonObject file && file.getValue("file_data") instanceof String data) {
      OpenAiInput.DataUrl url = OpenAiInput.dataUrl(data);
      return url != null && url.mediaType().equals("application/pdf") ? url : null;
    }
    return null;
  }

  static JsonObject build(JsonObject body, String model, int defaultMaxTokens, boolean stream) {
    JsonObject out = new JsonObject().put("model", model);
    StringBuilder system = new StringBuilder();
    JsonArray messages = new JsonArray();
    if (body.getValue("messages") instanceof JsonArray in) {
      for (Object o : in) {
        if (o instanceof JsonObject m) {
          message(m, system, messages);
        }
      }
    }
    if (!system.isEmpty()) {
      out.put("system", system.toString());
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

  private static void message(JsonObject m, StringBuilder system, JsonArray messages) {
    Object content = m.getValue("content");
    switch (m.getString("role", "user")) {
      case "system", "developer" -> {
        String text = OpenAiInput.text(content);
        if (!text.isEmpty()) {
          system.append(system.isEmpty() ? "" : "\n\n").append(text);
        }
      }
      case "assistant" -> {
        JsonArray blocks = new JsonArray();
        String text = OpenAiInput.text(content);
        if (!text.isEmpty()) {
          blocks.add(textBlock(text));
        }
        if (m.getValue("tool_calls") instanceof JsonArray calls) {
          for (Object c : calls) {
            if (c instanceof JsonObject call && call.getValue("function") instanceof JsonObject fn) {
              blocks.add(new JsonObject().put("type", "tool_use").put("id", call.getString("id", ""))
                  .put("name", fn.getString("name", "")).put("input", OpenAiInput.arguments(fn.getValue("arguments"))));
            }
          }
        }
        append(messages, "assistant", blocks);
      }
      case "tool" -> {
        JsonObject result = new JsonObject().put("type", "tool_result")
            .put("tool_use_id", m.getString("tool_call_id", ""));
        if (content instanceof JsonArray) {
          result.put("content", blocks(content));
        } else {
          result.put("content", content == null ? "" : content.toString());
        }
        append(messages, "user", new JsonArray().add(result));
      }
      case "user" -> append(messages, "user", blocks(content));
      default -> {
        // Legacy "function" messages have no id to pair with a tool_use block.
      }
    }
  }

  /** Adds a turn, merged into the previous one when the role repeats: the Messages API wants them alternating. */
  private static void append(JsonArray messages, String role, JsonArray blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    if (!messages.isEmpty()) {
      JsonObject last = messages.getJsonObject(messages.size() - 1);
      if (role.equals(last.getString("role"))) {
        last.getJsonArray("content").addAll(blocks);
        return;
      }
    }
    messages.add(new JsonObject().put("role", role).put("content", blocks));
  }

  private static JsonArray blocks(Object content) {
    JsonArray out = new JsonArray();
    for (JsonObject part : OpenAiInput.parts(content)) {
      switch (part.getString("type", "text")) {
        case "text" -> {
          String text = part.getString("text", "");
          if (!text.isEmpty()) {
            out.add(textBlock(text));
          }
        }
        case "image_url" -> {
          String url = OpenAiInput.imageUrl(part);
          OpenAiInput.DataUrl data = OpenAiInput.dataUrl(url);
          out.add(new JsonObject().put("type", "image").put("source", data != null ? base64(data)
              : new JsonObject().put("type", "url").put("url", url)));
        }
        case "file" -> {
          OpenAiInput.DataUrl pdf = pdf(part);
          if (pdf != null) {
            out.add(new JsonObject().put("type", "document").put("source", base64(pdf)));
          }
        }
        default -> {
          // refused by unsupported() before the provider was chosen
        }
      }
    }
    return out;
  }

  private static JsonObject base64(OpenAiInput.DataUrl data) {
    return new JsonObject().put("type", "base64").put("media_type", data.mediaType()).put("data", data.base64());
  }

  private static JsonObject textBlock(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static void tools(JsonObject body, JsonObject out) {
    JsonArray tools = new JsonArray();
    if (body.getValue("tools") instanceof JsonArray in) {
      for (Object t : in) {
        if (t instanceof JsonObject tool && "function".equals(tool.getString("type", "function"))
            && tool.getValue("function") instanceof JsonObject fn) {
          JsonObject schema = fn.getValue("parameters") instanceof JsonObject p ? p
              : new JsonObject().put("type", "object").put("properties", new JsonObject());
          JsonObject a = new JsonObject().put("name", fn.getString("name", ""));
          if (fn.getValue("description") instanceof String d) {
            a.put("description", d);
          }
          tools.add(a.put("input_schema", schema));
        }
      }
    }
    if (!tools.isEmpty()) {
      out.put("tools", tools);
    }
    JsonObject choice = toolChoice(body.getValue("tool_choice"));
    if (Boolean.FALSE.equals(body.getValue("parallel_tool_calls")) && !tools.isEmpty()) {
      if (choice == null) {
        choice = new JsonObject().put("type", "auto");
      }
      if (!"none".equals(choice.getString("type"))) {
        choice.put("disable_parallel_tool_use", true);
      }
    }
    if (choice != null && !tools.isEmpty()) {
      out.put("tool_choice", choice);
    }
  }

  private static JsonObject toolChoice(Object choice) {
    if (choice instanceof String s) {
      return switch (s) {
        case "auto" -> new JsonObject().put("type", "auto");
        case "required" -> new JsonObject().put("type", "any");
        case "none" -> new JsonObject().put("type", "none");
        default -> null;
      };
    }
    if (choice instanceof JsonObject o && o.getValue("function") instanceof JsonObject fn
        && fn.getValue("name") instanceof String name) {
      return new JsonObject().put("type", "tool").put("name", name);
    }
    return null;
  }
}
