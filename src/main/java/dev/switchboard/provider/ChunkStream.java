package dev.switchboard.provider;

import dev.switchboard.api.Usage;
import dev.switchboard.api.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.BitSet;
import java.util.function.Consumer;

/**
 * The OpenAI side of a translated stream: subclasses read their provider's events and call the emitters, which
 * write {@code chat.completion.chunk}s with one stable id, {@code delta.role} first for every choice, content and
 * tool-call deltas, the finish reason, and the usage chunk only when the client asked for it. The stream commits
 * on the first content-bearing chunk; the role-only preamble does not count.
 */
public abstract class ChunkStream extends StreamProgress {
  private final boolean clientWantsUsage;
  private final String fallbackModel;
  private final long created = OpenAiShapes.now();
  private final BitSet roleSent = new BitSet();
  private String id;
  private String model;

  /**
   * @param clientWantsUsage the client asked for {@code stream_options.include_usage}
   * @param fallbackModel the model name chunks carry until the provider names its own
   */
  protected ChunkStream(boolean clientWantsUsage, String fallbackModel) {
    this.clientWantsUsage = clientWantsUsage;
    this.fallbackModel = fallbackModel;
  }

  @Override
  public final void onEvent(SseEvent event, Consumer<Buffer> emit) {
    if (over()) {
      return;
    }
    JsonObject data;
    try {
      data = new JsonObject(event.buffer());
    } catch (RuntimeException e) {
      fail(new UpstreamError(0, "the provider sent a stream event that is not a JSON object", "invalid_stream_event",
          null, null, -1));
      return;
    }
    handle(event.event(), data, emit);
  }

  /** Handles one parsed provider event. */
  protected abstract void handle(String eventName, JsonObject data, Consumer<Buffer> emit);

  /** Names the reply: the first id and model the provider gives are kept for the whole stream. */
  protected final void identify(String replyId, String replyModel) {
    if (id == null && replyId != null && !replyId.isEmpty()) {
      id = replyId;
    }
    if (model == null && replyModel != null && !replyModel.isEmpty()) {
      model = replyModel;
    }
  }

  /** The role-only first chunk of a choice, once. Not content: the stream does not commit on it. */
  protected final void role(int choice, Consumer<Buffer> emit) {
    if (!roleSent.get(choice)) {
      roleSent.set(choice);
      emit(choice, new JsonObject().put("role", "assistant").put("content", ""), null, emit);
    }
  }

  protected final void text(int choice, String text, Consumer<Buffer> emit) {
    if (text == null || text.isEmpty()) {
      return;
    }
    role(choice, emit);
    content();
    emit(choice, new JsonObject().put("content", text), null, emit);
  }

  /** The first delta of a tool call: its position among the choice's tool calls, id and name. */
  protected final void toolCallStart(int choice, int index, String callId, String name, String arguments,
                                     Consumer<Buffer> emit) {
    role(choice, emit);
    content();
    JsonObject call = new JsonObject().put("index", index).put("id", callId).put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments == null ? "" : arguments));
    emit(choice, new JsonObject().put("tool_calls", new JsonArray().add(call)), null, emit);
  }

  /** A fragment of a tool call's JSON arguments; empty fragments are not sent. */
  protected final void toolCallArguments(int choice, int index, String fragment, Consumer<Buffer> emit) {
    if (fragment == null || fragment.isEmpty()) {
      return;
    }
    content();
    JsonObject call = new JsonObject().put("index", index).put("function", new JsonObject().put("arguments", fragment));
    emit(choice, new JsonObject().put("tool_calls", new JsonArray().add(call)), null, emit);
  }

  protected final void finish(int choice, String finishReason, Consumer<Buffer> emit) {
    role(choice, emit);
    content();
    emit(choice, new JsonObject(), finishReason, emit);
  }

  /** The normal end: the usage chunk if the client asked for it; then the gateway writes [DONE]. */
  protected final void end(Consumer<Buffer> emit) {
    if (clientWantsUsage) {
      emit.accept(OpenAiShapes.usageChunk(id(), created, model(), currentUsage()).toBuffer());
    }
    finished();
  }

  private void emit(int choice, JsonObject delta, String finishReason, Consumer<Buffer> emit) {
    emit.accept(OpenAiShapes.chunk(id(), created, model(), choice, delta, finishReason).toBuffer());
  }

  private String id() {
    if (id == null) {
      id = OpenAiShapes.newId("chatcmpl-");
    }
    return id;
  }

  private String model() {
    return model == null ? fallbackModel : model;
  }
}
