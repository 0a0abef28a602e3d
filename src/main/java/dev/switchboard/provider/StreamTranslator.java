package dev.switchboard.provider;

import dev.switchboard.api.Usage;
import dev.switchboard.api.SseEvent;
import io.vertx.core.buffer.Buffer;

import java.util.function.Consumer;

/**
 * Turns one upstream stream's events into OpenAI {@code chat.completion.chunk} payloads. One instance per
 * stream: it keeps whatever state the translation needs (ids, tool-call indexes, usage).
 */
public interface StreamTranslator {

  /** Handles one upstream event, emitting zero or more client payloads (the text after {@code data: }). */
  void onEvent(SseEvent event, Consumer<Buffer> emit);

  /** True once the upstream signalled a normal end ({@code [DONE]} or its equivalent). */
  boolean done();

  /** The in-band error the upstream sent, or null. */
  UpstreamError error();

  /** Usage reported by the stream so far (the final usage chunk when there was one). */
  Usage usage();

  /**
   * Whether a content-bearing event has been emitted: true from (and during) the emit of the first such event. The
   * stream commits there; earlier payloads (a role-only preamble) are held back until then.
   */
  boolean emittedContent();
}
