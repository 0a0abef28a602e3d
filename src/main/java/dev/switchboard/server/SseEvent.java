package dev.switchboard.server;

/** One server-sent event: the optional {@code event:} name and the joined {@code data:} lines. */
public record SseEvent(String event, String data) {
  public boolean isDone() {
    return "[DONE]".equals(data);
  }
}
