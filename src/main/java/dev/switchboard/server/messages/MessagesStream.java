package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The gateway's chat stream ({@code chat.completion.chunk} payloads, in-band {@code {"error":…}} events,
 * {@code [DONE]}) as Anthropic's Messages stream: {@code message_start}, then per content block
 * {@code content_block_start} / {@code content_block_delta}s / {@code content_block_stop}, then {@code message_delta}
 * (stop reason and usage) and {@code message_stop}; a failure is an {@code error} event. Each output is one whole
 * frame, {@code event: <type>\ndata: <json>\n\n}; there is no {@code [DONE]}.
 *
 * <p>Blocks are sequential in Anthropic's stream but chat may interleave parallel tool calls by index. The first
 * tool call streams live; while its block is open, anything else (a later tool call, text after a tool call) is
 * buffered in order of first appearance, fragments appended in arrival order, and each becomes a whole block when
 * the choice finishes. So no fragment is lost or reordered, whatever the interleaving, at the cost of delivering
 * later parallel calls at the end (their size is bounded by the reply's {@code max_tokens}). Content after the
 * {@code finish_reason} is ignored; usage after it is read.
 *
 * <p>One instance per stream, used on the request's event loop only, so its state needs no synchronisation.
 */
public final class MessagesStream {
  private final String fallbackModel;
  private final List<String> stopSequences;

  private boolean started;
  private boolean finished;
  private boolean ended;
  private int nextBlock;
  /** The open block's index, -1 when none; {@link #openTool} is its chat tool-call index, -1 for text. */
  private int openBlock = -1;
  private int openTool = -1;
  /** Chat tool-call indexes already given a block. */
  private final Set<Integer> streamedTools = new HashSet<>();
  /** Content waiting for the open tool block to close: {@link StringBuilder} text runs and {@link Pending} calls. */
  private final List<Object> queue = new ArrayList<>();
  private final Map<Integer, Pending> pendingCalls = new HashMap<>();
  private String finishReason;
  private Object matchedStop;
  private boolean refused;
  /** Whether ordinary text (not a refusal) or a tool call came. */
  private boolean answered;
  private JsonObject usage;

  /**
   * @param fallbackModel the model named when the chunks name none
   * @param stopSequences the request's {@code stop_sequences} ({@link MessagesRequest#stopSequences()})
   */
  public MessagesStream(String fallbackModel, List<String> stopSequences) {
    this.fallbackModel = fallbackModel;
    this.stopSequences = stopSequences;
  }

  /** One event of the gateway's chat stream: a chunk, an in-band error, or {@code [DONE]}. */
  public void onEvent(SseEvent event, Consumer<Buffer> emit) {
    if (event.isDone()) {
      onDone(emit);
      return;
    }
    JsonObject data;
    try {
      data = new JsonObject(event.data());
    } catch (DecodeException | ClassCastException e) {
      onError(new ApiError(502, ApiError.UPSTREAM, "The stream carried an event that is not JSON.", null,
          "invalid_stream_event"), emit);
      return;
    }
    if (data.getValue("error") instanceof JsonObject error) {
      onError(new ApiError(error.getValue("status") instanceof Number n ? n.intValue() : 0,
          error.getValue("type") instanceof String t ? t : ApiError.SERVER,
          error.getValue("message") instanceof String m ? m : "The stream failed.", null,
          error.getValue("code") instanceof String c ? c : null), emit);
      return;
    }
    onChunk(data, emit);
  }

  /** One {@code chat.completion.chunk}. */
  public void onChunk(JsonObject chunk, Consumer<Buffer> emit) {
    if (ended) {
      return;
    }
    start(chunk, emit);
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = u;
    }
    if (finished || !(chunk.getValue("choices") instanceof JsonArray choices)) {
      return;
    }
    for (Object o : choices) {
      if (o instanceof JsonObject choice && (!(choice.getValue("index") instanceof Number n) || n.intValue() == 0)) {
        choice(choice, emit);
      }
    }
  }

  /** The chat stream's normal end ({@code [DONE]}): closes what is open, then message_delta and message_stop. */
  public void onDone(Consumer<Buffer> emit) {
    if (ended) {
      return;
    }
    start(new JsonObject(), emit);
    closeAll(emit);
    // as MessagesReply: a reply that is only a refusal stops for "refusal", whatever the finish reason
    StopReason stop = refused && !answered ? new StopReason("refusal", null)
        : StopReason.of(finishReason, matchedStop, stopSequences);
    JsonObject delta = new JsonObject().put("stop_reason", stop.reason()).put("stop_sequence", stop.sequence());
    JsonObject counts = usage == null ? new JsonObject().put("output_tokens", 0) : MessagesReply.usage(usage);
    emit(emit, new JsonObject().put("type", "message_delta").put("delta", delta).put("usage", counts));
    emit(emit, new JsonObject().put("type", "message_stop"));
    ended = true;
  }

  /** A failure after the stream committed: one {@code error} event, then nothing more. */
  public void onError(ApiError error, Consumer<Buffer> emit) {
    if (ended) {
      return;
    }
    ended = true;
    emit(emit, AnthropicErrorShape.body(error));
  }

  /** True once message_stop or an error event was emitted; later input is ignored. */
  public boolean ended() {
    return ended;
  }

  private void start(JsonObject chunk, Consumer<Buffer> emit) {
    if (started) {
      return;
    }
    started = true;
    JsonObject counts = chunk.getValue("usage") instanceof JsonObject u ? MessagesReply.usage(u)
        : MessagesReply.usage(new JsonObject());
    JsonObject message = new JsonObject()
        .put("id", MessagesReply.messageId(chunk.getValue("id")))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", chunk.getValue("model") instanceof String m && !m.isEmpty() ? m : fallbackModel)
        .put("content", new JsonArray())
        .putNull("stop_reason")
        .putNull("stop_sequence")
        .put("usage", counts);
    emit(emit, new JsonObject().put("type", "message_start").put("message", message));
  }

  private void choice(JsonObject choice, Consumer<Buffer> emit) {
    JsonObject delta = choice.getValue("delta") instanceof JsonObject d ? d : new JsonObject();
    if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
      answered = true;
      text(text, emit);
    }
    if (delta.getValue("refusal") instanceof String refusal && !refusal.isEmpty()) {
      refused = true;
      text(refusal, emit);
    }
    if (delta.getValue("tool_calls") instanceof JsonArray calls) {
      for (int i = 0; i < calls.size(); i++) {
        if (calls.getValue(i) instanceof JsonObject call) {
          answered = true;
          tool(call, i, emit);
        }
      }
    }
    if (choice.getValue("finish_reason") instanceof String reason) {
      finishReason = reason;
      matchedStop = choice.getValue("stop_reason");
      finished = true;
      closeAll(emit);
    }
  }

  private void text(String text, Consumer<Buffer> emit) {
    if (openBlock >= 0 && openTool < 0) {
      emit(emit, delta(openBlock, new JsonObject().put("type", "text_delta").put("text", text)));
    } else if (openBlock >= 0) {
      if (!queue.isEmpty() && queue.get(queue.size() - 1) instanceof StringBuilder run) {
        run.append(text);
      } else {
        queue.add(new StringBuilder(text));
      }
    } else {
      openBlock = nextBlock++;
      openTool = -1;
      emit(emit, blockStart(openBlock, new JsonObject().put("type", "text").put("text", "")));
      emit(emit, delta(openBlock, new JsonObject().put("type", "text_delta").put("text", text)));
    }
  }

  private void tool(JsonObject call, int position, Consumer<Buffer> emit) {
    int index = call.getValue("index") instanceof Number n ? n.intValue() : position;
    JsonObject fn = call.getValue("function") instanceof JsonObject f ? f : new JsonObject();
    String id = call.getValue("id") instanceof String s && !s.isEmpty() ? s : null;
    String name = fn.getValue("name") instanceof String s && !s.isEmpty() ? s : null;
    String arguments = fn.getValue("arguments") instanceof String s ? s : "";
    Pending waiting = pendingCalls.get(index);
    if (openTool == index && openBlock >= 0) {
      jsonDelta(openBlock, arguments, emit);
    } else if (waiting != null) {
      waiting.add(id, name, arguments);
    } else if (streamedTools.contains(index)) {
      // cannot happen: a tool block stays open until the choice finishes, and then content is ignored
    } else if (openTool >= 0 && openBlock >= 0) {
      Pending pending = new Pending();
      pending.add(id, name, arguments);
      pendingCalls.put(index, pending);
      queue.add(pending);
    } else {
      closeOpen(emit);
      streamedTools.add(index);
      openBlock = nextBlock++;
      openTool = index;
      emit(emit, blockStart(openBlock, toolBlock(id, name)));
      jsonDelta(openBlock, arguments, emit);
    }
  }

  private void closeOpen(Consumer<Buffer> emit) {
    if (openBlock >= 0) {
      emit(emit, new JsonObject().put("type", "content_block_stop").put("index", openBlock));
      openBlock = -1;
      openTool = -1;
    }
  }

  /** Closes the open block and turns everything queued behind it into whole blocks, in order. */
  private void closeAll(Consumer<Buffer> emit) {
    closeOpen(emit);
    for (Object item : queue) {
      int index = nextBlock++;
      if (item instanceof StringBuilder text) {
        emit(emit, blockStart(index, new JsonObject().put("type", "text").put("text", "")));
        emit(emit, delta(index, new JsonObject().put("type", "text_delta").put("text", text.toString())));
      } else if (item instanceof Pending call) {
        emit(emit, blockStart(index, toolBlock(call.id, call.name)));
        jsonDelta(index, call.arguments.toString(), emit);
      }
      emit(emit, new JsonObject().put("type", "content_block_stop").put("index", index));
    }
    queue.clear();
    pendingCalls.clear();
  }

  private static JsonObject toolBlock(String id, String name) {
    return new JsonObject().put("type", "tool_use").put("id", id == null ? MessagesReply.newToolId() : id)
        .put("name", name == null ? "" : name).put("input", new JsonObject());
  }

  private void jsonDelta(int index, String partialJson, Consumer<Buffer> emit) {
    if (!partialJson.isEmpty()) {
      emit(emit, delta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", partialJson)));
    }
  }

  private static JsonObject blockStart(int index, JsonObject block) {
    return new JsonObject().put("type", "content_block_start").put("index", index).put("content_block", block);
  }

  private static JsonObject delta(int index, JsonObject delta) {
    return new JsonObject().put("type", "content_block_delta").put("index", index).put("delta", delta);
  }

  private static void emit(Consumer<Buffer> emit, JsonObject event) {
    emit.accept(Buffer.buffer("event: " + event.getString("type") + "\ndata: " + event.encode() + "\n\n",
        StandardCharsets.UTF_8.name()));
  }

  /** A tool call waiting for the open block to close. */
  private static final class Pending {
    private String id;
    private String name;
    private final StringBuilder arguments = new StringBuilder();

    void add(String id, String name, String fragment) {
      if (this.id == null) {
        this.id = id;
      }
      if (this.name == null) {
        this.name = name;
      }
      arguments.append(fragment);
    }
  }
}
