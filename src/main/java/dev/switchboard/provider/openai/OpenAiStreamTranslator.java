package dev.switchboard.provider.openai;

import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.Usage;
import dev.switchboard.server.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * Passes OpenAI chunks through unchanged, except the final usage chunk when Switchboard (not the client)
 * asked for it.
 */
final class OpenAiStreamTranslator implements StreamTranslator {
  private final boolean clientWantsUsage;
  private boolean done;
  private boolean emitted;
  private UpstreamError error;
  private Usage usage = Usage.NONE;

  OpenAiStreamTranslator(boolean clientWantsUsage) {
    this.clientWantsUsage = clientWantsUsage;
  }

  @Override
  public void onEvent(SseEvent event, Consumer<Buffer> emit) {
    if (done || error != null) {
      return;
    }
    if (event.isDone()) {
      done = true;
      return;
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(event.data());
    } catch (RuntimeException e) {
      error = new UpstreamError(0, "the provider sent a stream event that is not JSON", "invalid_stream_event",
          null, null, -1);
      return;
    }
    if (chunk.getValue("error") instanceof JsonObject e) {
      Object code = e.getValue("code");
      Object type = e.getValue("type");
      error = new UpstreamError(0, OpenAiErrors.safeMessage(e), code == null ? null : code.toString(),
          type == null ? null : type.toString(), null, -1);
      return;
    }
    boolean usageChunk = false;
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = Usage.fromOpenAi(u);
      Object choices = chunk.getValue("choices");
      usageChunk = choices == null || (choices instanceof JsonArray a && a.isEmpty());
    }
    if (usageChunk && !clientWantsUsage) {
      return;
    }
    emitted = true;
    emit.accept(Buffer.buffer(event.data()));
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public UpstreamError error() {
    return error;
  }

  @Override
  public Usage usage() {
    return usage;
  }

  @Override
  public boolean emittedContent() {
    return emitted;
  }
}
