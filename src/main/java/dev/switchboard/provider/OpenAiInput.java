package dev.switchboard.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the parts of an OpenAI chat request that translating adapters map to other APIs: message text, content
 * parts, data URLs, tool-call arguments, stop sequences and token limits. Lenient by design: the request was
 * validated on arrival, and what a provider cannot take was refused by the adapter's {@code unsupported} check.
 */
public final class OpenAiInput {
  private static final Logger LOG = Logger.getLogger(OpenAiInput.class.getName());

  private OpenAiInput() {
  }

  /** A {@code data:} URL's media type and base64 payload. */
  public record DataUrl(String mediaType, String base64) {
  }

  /** Parses {@code data:<type>;base64,<data>}; null for anything else (plain URLs, non-base64 data URLs). */
  public static DataUrl dataUrl(String url) {
    if (url == null || !url.regionMatches(true, 0, "data:", 0, 5)) {
      return null;
    }
    int comma = url.indexOf(',');
    if (comma < 0) {
      return null;
    }
    String meta = url.substring(5, comma);
    if (!meta.toLowerCase(java.util.Locale.ROOT).endsWith(";base64")) {
      return null;
    }
    String type = meta.substring(0, meta.length() - 7);
    int param = type.indexOf(';');
    if (param >= 0) {
      type = type.substring(0, param);
    }
    return new DataUrl(type.isEmpty() ? "application/octet-stream" : type, url.substring(comma + 1));
  }

  /** Whether a URL is one a provider can fetch itself. */
  public static boolean isWebUrl(String url) {
    return url != null && (url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7));
  }

  /** The URL of an {@code image_url} part: {@code {"image_url":{"url":…}}} or the older {@code {"image_url":"…"}}. */
  public static String imageUrl(JsonObject part) {
    Object v = part.getValue("image_url");
    if (v instanceof JsonObject o && o.getValue("url") instanceof String s) {
      return s;
    }
    return v instanceof String s ? s : null;
  }

  /**
   * Why an image part cannot be sent to a provider that takes base64 data URLs and web URLs only, or null when it
   * can.
   */
  public static String unsupportedImage(JsonObject part) {
    String url = imageUrl(part);
    if (dataUrl(url) != null || isWebUrl(url)) {
      return null;
    }
    return "an image_url must be an http(s) URL or a base64 data URL (data:image/png;base64,…).";
  }

  /**
   * Maps OpenAI content parts to a provider's. A method returning null leaves the part out; empty text never
   * reaches {@link #text}.
   */
  public interface PartMapper {
    JsonObject text(String text);

    /** @param data the image as a base64 data URL, or null when {@code url} is a web URL */
    JsonObject image(String url, DataUrl data);

    default JsonObject audio(String format, String base64) {
      return null;
    }

    /** A {@code file} part given as a base64 data URL ({@code file.file_data}). */
    default JsonObject file(DataUrl data) {
      return null;
    }
  }

  /** A message's content in a provider's shape. */
  public static JsonArray mapParts(Object content, PartMapper mapper) {
    JsonArray out = new JsonArray();
    for (JsonObject part : parts(content)) {
      JsonObject mapped = switch (part.getString("type", "text")) {
        case "text" -> part.getValue("text") instanceof String t && !t.isEmpty() ? mapper.text(t) : null;
        case "image_url" -> {
          String url = imageUrl(part);
          yield mapper.image(url, dataUrl(url));
        }
        case "input_audio" -> part.getValue("input_audio") instanceof JsonObject a && a.getValue("data") instanceof String d
            ? mapper.audio(a.getString("format", "wav"), d) : null;
        case "file" -> {
          DataUrl data = fileData(part);
          yield data == null ? null : mapper.file(data);
        }
        default -> null;
      };
      if (mapped != null) {
        out.add(mapped);
      }
    }
    return out;
  }

  /** The base64 data URL of a {@code file} part ({@code file.file_data}), or null. */
  public static DataUrl fileData(JsonObject part) {
    return part.getValue("file") instanceof JsonObject file && file.getValue("file_data") instanceof String data
        ? dataUrl(data) : null;
  }

  /** Content parts of a message: a string is one text part; null is none. */
  public static List<JsonObject> parts(Object content) {
    List<JsonObject> out = new ArrayList<>();
    if (content instanceof String s) {
      out.add(new JsonObject().put("type", "text").put("text", s));
    } else if (content instanceof JsonArray a) {
      for (Object p : a) {
        if (p instanceof JsonObject o) {
          out.add(o);
        } else if (p instanceof String s) {
          out.add(new JsonObject().put("type", "text").put("text", s));
        }
      }
    }
    return out;
  }

  /** The text of a message's content: the string itself, or its text (and refusal) parts joined. */
  public static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (JsonObject part : parts(content)) {
      Object t = part.getValue("text") != null ? part.getValue("text") : part.getValue("refusal");
      if (t instanceof String s) {
        sb.append(s);
      }
    }
    return sb.toString();
  }

  /** A tool call's {@code arguments} JSON text as an object: empty when blank or not a JSON object. */
  public static JsonObject arguments(Object arguments) {
    if (arguments instanceof JsonObject o) {
      return o;
    }
    if (arguments instanceof String s && !s.isBlank()) {
      try {
        Object v = io.vertx.core.json.Json.decodeValue(s);
        if (v instanceof JsonObject o) {
          return o;
        }
      } catch (RuntimeException e) {
        LOG.fine("tool call arguments are not JSON; sent as an empty object");
      }
    }
    return new JsonObject();
  }

  /** A client's tool call as an assistant message carries it, with the arguments parsed. */
  public record ToolCall(String id, String name, JsonObject arguments) {
  }

  /** The function tool calls of an assistant message, in order. */
  public static List<ToolCall> toolCalls(JsonObject message) {
    List<ToolCall> out = new ArrayList<>();
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object c : calls) {
        if (c instanceof JsonObject call && call.getValue("function") instanceof JsonObject fn) {
          out.add(new ToolCall(call.getString("id", ""), fn.getString("name", ""), arguments(fn.getValue("arguments"))));
        }
      }
    }
    return out;
  }

  /** The {@code function} objects (name, description, parameters) of the request's function tools. */
  public static List<JsonObject> functions(JsonObject body) {
    List<JsonObject> out = new ArrayList<>();
    if (body.getValue("tools") instanceof JsonArray tools) {
      for (Object t : tools) {
        if (t instanceof JsonObject tool && "function".equals(tool.getString("type", "function"))
            && tool.getValue("function") instanceof JsonObject fn) {
          out.add(fn);
        }
      }
    }
    return out;
  }

  /**
   * {@code tool_choice} read: {@code mode} is auto, none, required or function (with the function's name).
   *
   * @return null when absent or not understood
   */
  public record ToolChoice(String mode, String function) {
    public static ToolChoice of(Object choice) {
      if (choice instanceof String s && (s.equals("auto") || s.equals("none") || s.equals("required"))) {
        return new ToolChoice(s, null);
      }
      if (choice instanceof JsonObject o && o.getValue("function") instanceof JsonObject fn
          && fn.getValue("name") instanceof String name) {
        return new ToolChoice("function", name);
      }
      return null;
    }
  }

  /**
   * The system and developer text of a chat's messages, paragraphs apart; every other message goes to {@code turn},
   * in order. Both Anthropic and Gemini keep the system text apart from the turns.
   */
  public static String splitSystem(JsonObject body, java.util.function.Consumer<JsonObject> turn) {
    StringBuilder system = new StringBuilder();
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (Object o : messages) {
        if (o instanceof JsonObject m) {
          switch (m.getString("role", "user")) {
            case "system", "developer" -> appendSystem(system, m.getValue("content"));
            default -> turn.accept(m);
          }
        }
      }
    }
    return system.toString();
  }

  /** An assistant message's items: its text (if any) as {@code text}, then each tool call as {@code call}. */
  public static JsonArray assistantItems(JsonObject message, java.util.function.Function<String, JsonObject> text,
                                         java.util.function.Function<ToolCall, JsonObject> call) {
    JsonArray items = new JsonArray();
    String said = text(message.getValue("content"));
    if (!said.isEmpty()) {
      items.add(text.apply(said));
    }
    for (ToolCall c : toolCalls(message)) {
      items.add(call.apply(c));
    }
    return items;
  }

  /** Adds system or developer content to the system text, paragraphs apart. */
  public static void appendSystem(StringBuilder system, Object content) {
    String text = text(content);
    if (!text.isEmpty()) {
      system.append(system.isEmpty() ? "" : "\n\n").append(text);
    }
  }

  /**
   * Adds a turn of {@code items} (under {@code itemsKey}: "content", "parts") to a provider's turn list, merged into
   * the previous turn when the role repeats: both Anthropic and Gemini want roles alternating, and all results of
   * parallel tool calls in one turn. An empty turn is left out.
   */
  public static void appendTurn(JsonArray turns, String role, String itemsKey, JsonArray items) {
    if (items.isEmpty()) {
      return;
    }
    if (!turns.isEmpty()) {
      JsonObject last = turns.getJsonObject(turns.size() - 1);
      if (role.equals(last.getString("role"))) {
        last.getJsonArray(itemsKey).addAll(items);
        return;
      }
    }
    turns.add(new JsonObject().put("role", role).put(itemsKey, items));
  }

  /** The first reason {@code check} gives for a content part of any message, or null when every part passes. */
  public static String unsupportedPart(JsonObject body, java.util.function.Function<JsonObject, String> check) {
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (Object m : messages) {
        if (m instanceof JsonObject message) {
          for (JsonObject part : parts(message.getValue("content"))) {
            String why = check.apply(part);
            if (why != null) {
              return why;
            }
          }
        }
      }
    }
    return null;
  }

  /** {@code stop} as a list: a string is one sequence. */
  public static List<String> stops(Object stop) {
    List<String> out = new ArrayList<>();
    if (stop instanceof String s) {
      out.add(s);
    } else if (stop instanceof JsonArray a) {
      for (Object v : a) {
        if (v instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** {@code max_completion_tokens}, else {@code max_tokens}, else null. */
  public static Integer maxTokens(JsonObject body) {
    Object v = body.getValue("max_completion_tokens");
    if (!(v instanceof Number)) {
      v = body.getValue("max_tokens");
    }
    return v instanceof Number n ? (int) Math.min(Integer.MAX_VALUE, n.longValue()) : null;
  }

  /** {@code n} as given, 1 when absent. */
  public static long choices(JsonObject body) {
    return body.getValue("n") instanceof Number n ? n.longValue() : 1;
  }

  /**
   * Logs (at debug level, names only, never values) the request fields a provider's API has no place for, which
   * the adapter leaves out of the upstream request.
   */
  public static void logDropped(String provider, JsonObject body, Set<String> handled) {
    if (!LOG.isLoggable(Level.FINE)) {
      return;
    }
    Set<String> dropped = new TreeSet<>();
    for (String key : body.fieldNames()) {
      if (!handled.contains(key)) {
        dropped.add(key);
      }
    }
    if (!dropped.isEmpty()) {
      LOG.fine(provider + ": request fields without an equivalent were not sent: " + dropped);
    }
  }
}
