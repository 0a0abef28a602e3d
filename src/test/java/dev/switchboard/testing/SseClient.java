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

  /** The payloads a client should see for these events: each of them, then [DONE]. */
  public static List<String> withDone(List<String> payloads) {
    List<String> out = new ArrayList<>(payloads);
    out.add("[DONE]");
    return out;
  }
}
