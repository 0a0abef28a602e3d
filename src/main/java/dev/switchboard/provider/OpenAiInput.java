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
