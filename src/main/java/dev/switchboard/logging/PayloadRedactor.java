package dev.switchboard.logging;

import dev.switchboard.config.JsonPath;
import dev.switchboard.config.Secrets;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Turns a {@link PayloadRecord} into one JSON line: bodies parsed, the configured JSON paths blanked, a stream's
 * events assembled into a chat completion shape (so {@code $.choices[*].message.content} covers streamed text too),
 * each body cut to {@code maxBytes} with a marker, and finally every configured secret and anything shaped like a
 * credential removed from the whole line. Runs on the payload writer's thread only.
 */
final class PayloadRedactor {
  static final String TRUNCATED = "…[truncated]";
  static final String UNREDACTABLE = "[omitted: larger than the capture bound, so the redaction paths cannot apply]";

  private final List<JsonPath> paths;
  private final Secrets secrets;
  private final int maxBytes;

  PayloadRedactor(List<JsonPath> paths, Secrets secrets, int maxBytes) {
    this.paths = paths;
    this.secrets = secrets;
    this.maxBytes = maxBytes;
  }

  String line(PayloadRecord r, Instant at) {
    JsonObject line = new JsonObject()
        .put("ts", at.toString())
        .put("request_id", r.requestId())
        .put("key", r.keyName())
        .put("model", r.model())
        .put("provider", r.provider())
        .put("status", r.status())
        .put("stream", r.stream());
    if (r.errorCode() != null) {
      line.put("error_code", r.errorCode());
    }
    line.put("request", body(r.request().toString(StandardCharsets.UTF_8), false));
    String response = new String(r.response(), StandardCharsets.UTF_8);
    line.put("response", r.stream() ? bounded(redacted(assembled(response))) : body(response, r.responseTruncated()));
    return CredentialPatterns.scrub(secrets.scrub(line.encode()));
  }

  /** A body as JSON with the paths blanked, or as text when it is none; cut to the bound either way. */
  private Object body(String text, boolean cut) {
    if (text.isEmpty()) {
      return null;
    }
    Object json = null;
    if (!cut) {
      try {
        json = io.vertx.core.json.Json.decodeValue(text);
      } catch (DecodeException e) {
        json = null;
      }
    }
    if (json instanceof JsonObject || json instanceof JsonArray) {
      return bounded(redacted(json));
    }
    if (cut && !paths.isEmpty()) {
      return UNREDACTABLE;
    }
    return bounded(cut ? text + TRUNCATED : text);
  }

  /** The text a stream's chunks carried, as one chat completion. */
  private static JsonObject assembled(String events) {
    StringBuilder text = new StringBuilder();
    for (String event : events.split("\n")) {
      try {
        JsonObject chunk = new JsonObject(event);
        JsonArray choices = chunk.getJsonArray("choices");
        if (choices != null && !choices.isEmpty() && choices.getValue(0) instanceof JsonObject choice
            && choice.getValue("delta") instanceof JsonObject delta && delta.getValue("content") instanceof String s) {
          text.append(s);
        }
      } catch (DecodeException | ClassCastException e) {
        // a cut last event, or an error event: nothing to add
      }
    }
    return new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", text.toString()))));
  }

  private Object redacted(Object json) {
    for (JsonPath path : paths) {
      blank(json, path.steps(), 0);
    }
    return json;
  }

  private static void blank(Object node, List<Object> steps, int at) {
    Object step = steps.get(at);
    boolean last = at == steps.size() - 1;
    if (node instanceof JsonObject o) {
      for (String name : step == JsonPath.ANY ? List.copyOf(o.fieldNames()) : step instanceof String s && o.containsKey(s)
          ? List.of(s) : List.<String>of()) {
        if (last) {
          o.put(name, Secrets.REDACTED);
        } else {
          blank(o.getValue(name), steps, at + 1);
        }
      }
    } else if (node instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        if (step == JsonPath.ANY || step instanceof Integer n && n == i) {
          if (last) {
            a.set(i, Secrets.REDACTED);
          } else {
            blank(a.getValue(i), steps, at + 1);
          }
        }
      }
    }
  }

  /** The value itself while its JSON fits the bound, else its JSON text cut to the bound with a marker. */
  private Object bounded(Object value) {
    String text = value instanceof String s ? s : io.vertx.core.json.Json.encode(value);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return value;
    }
    // Cut on a character boundary: back off continuation bytes.
    int end = maxBytes;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8) + TRUNCATED;
  }
}
