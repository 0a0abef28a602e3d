package dev.switchboard.provider;

import dev.switchboard.api.SseEvent;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * A stream relayed in the client's own API: every upstream event goes out as it came, framed again with its name,
 * while the subclass reads from it only what the gateway needs (usage, the first content event, the end, an in-band
 * error). The upstream's error event is not relayed: the gateway fails over from it before the commit, and after it
 * writes the front end's own failure event. One instance per stream, on the request's event loop.
 */
public abstract class NativeStream extends StreamProgress {
  private SseEvent event;
  private JsonObject data;
  private boolean parsed;

  @Override
  public final void onEvent(SseEvent event, Consumer<Buffer> emit) {
    if (over()) {
      return;
    }
    this.event = event;
    data = null;
    parsed = false;
    read(type());
    this.event = null; // held for one read only: a relayed stream keeps no event once it is out
    data = null;
    if (error() == null) {
      emit.accept(event.framed());
    }
  }

  /**
   * Reads one event before it is relayed: calls {@link #content()}, {@link #usage(Usage)}, {@link #end()} or
   * {@link #fail} as it says. An event that fails the stream is not relayed.
   *
   * @param type the event's name, or its data's {@code type} when the upstream leaves the name out; "" for neither
   */
  protected abstract void read(String type);

  /** This event is the stream's last: it still goes out, and nothing the gateway adds follows it. */
  protected final void end() {
    finished();
  }

  /**
   * The current event's data as a JSON object, or null when it is not one. Parsed once, and only when asked for:
   * most events (text deltas) pass unread.
   */
  protected final JsonObject data() {
    if (!parsed) {
      parsed = true;
      try {
        data = new JsonObject(event.buffer());
      } catch (RuntimeException e) {
        data = null;
      }
    }
    return data;
  }

  /** What an {@code error} event carries: its {@code error} member, else its data, else an empty object. */
  protected final JsonObject errorObject() {
    JsonObject data = data();
    return data == null ? new JsonObject() : data.getValue("error") instanceof JsonObject e ? e : data;
  }

  private String type() {
    if (event.event() != null) {
      return event.event();
    }
    // Both APIs name every event; the data's own type serves for a stream that does not.
    JsonObject data = data();
    return data != null && data.getValue("type") instanceof String t ? t : "";
  }
}
