package dev.switchboard.provider;

import dev.switchboard.api.SseEvent;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;

import java.util.function.Consumer;

/**
 * A stream relayed in the client's own API: every upstream event goes out as it came, framed again with its name,
 * while the subclass reads from it only what the gateway needs (usage, the first content event, the end, an in-band
 * error). The upstream's error event is not relayed: the gateway fails over from it before the commit, and after it
 * writes the front end's own failure event. One instance per stream, on the request's event loop.
 */
public abstract class NativeStream implements StreamTranslator {
  private boolean done;
  private boolean content;
  private UpstreamError error;
  private Usage usage = Usage.NONE;

  @Override
  public final void onEvent(SseEvent event, Consumer<Buffer> emit) {
    if (done || error != null) {
      return;
    }
    read(event);
    if (error == null) {
      emit.accept(event.framed());
    }
  }

  /**
   * Reads one event before it is relayed: calls {@link #content()}, {@link #usage(Usage)}, {@link #end()} or
   * {@link #fail} as it says. An event that fails the stream is not relayed.
   */
  protected abstract void read(SseEvent event);

  /** This event carries content: the stream commits on it (held preamble events go first). */
  protected final void content() {
    content = true;
  }

  /** This event is the stream's last: it still goes out, and nothing the gateway adds follows it. */
  protected final void end() {
    done = true;
  }

  protected final void fail(UpstreamError error) {
    this.error = error;
  }

  protected final void usage(Usage usage) {
    this.usage = usage;
  }

  protected final Usage currentUsage() {
    return usage;
  }

  @Override
  public final boolean done() {
    return done;
  }

  @Override
  public final UpstreamError error() {
    return error;
  }

  @Override
  public final Usage usage() {
    return usage;
  }

  @Override
  public final boolean emittedContent() {
    return content;
  }

  /** The event's data as a JSON object, or null when it is not one. */
  protected static io.vertx.core.json.JsonObject json(SseEvent event) {
    try {
      return new io.vertx.core.json.JsonObject(event.buffer());
    } catch (RuntimeException e) {
      return null;
    }
  }
}
