package dev.switchboard.testing;

import java.util.ArrayList;
import java.util.List;

/** Splits an SSE body as a client sees it into the payloads of its data events, in order. */
public final class SseClient {
  private SseClient() {
  }

  public static List<String> dataEvents(String body) {
    List<String> out = new ArrayList<>();
    for (String event : body.replace("\r\n", "\n").split("\n\n")) {
      StringBuilder data = null;
      for (String line : event.split("\n")) {
        if (line.startsWith("data:")) {
          String v = line.substring(5);
          v = v.startsWith(" ") ? v.substring(1) : v;
          data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
        }
      }
      if (data != null) {
        out.add(data.toString());
      }
    }
    return out;
  }

  /**
   * The events of a stream whose events are named ({@code event: <type>} then {@code data: <json>}, as the Responses
   * and Messages APIs send them), each as its JSON; checks that every event's name is its data's {@code type}.
   */
  public static List<io.vertx.core.json.JsonObject> typedEvents(String body) {
    List<io.vertx.core.json.JsonObject> out = new ArrayList<>();
    for (String event : body.replace("\r\n", "\n").split("\n\n")) {
      String type = null;
      for (String line : event.split("\n")) {
        if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          io.vertx.core.json.JsonObject data = new io.vertx.core.json.JsonObject(line.substring(6));
          if (!data.getString("type", "").equals(type)) {
            throw new AssertionError("event '" + type + "' carries data of type '" + data.getString("type") + "'");
          }
          out.add(data);
        }
      }
    }
    return out;
  }

  /** The payloads a client should see for these events: each of them, then [DONE]. */
  public static List<String> withDone(List<String> payloads) {
    List<String> out = new ArrayList<>(payloads);
    out.add("[DONE]");
    return out;
  }
}
