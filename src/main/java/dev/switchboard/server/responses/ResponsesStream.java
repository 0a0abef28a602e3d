package dev.switchboard.server.responses;

import dev.switchboard.api.Usage;
import dev.switchboard.api.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * chat.completion.chunk payloads -> Responses stream events. The caller feeds every chunk's JSON in order
 * ({@link #onChunk}), calls {@link #finish} at {@code [DONE]} and {@link #fail} when the stream breaks (an in-band
 * {@code {"error":…}} chunk fails it by itself). Events go to {@code emit} in order, numbered from 0 by
 * {@code sequence_number}; the stream ends with exactly one of {@code response.completed}, {@code response.incomplete}
 * or {@code response.failed} and nothing after it (a Responses stream has no {@code [DONE]}).
 *
 * <p>The first call emits {@code response.created} and {@code response.in_progress}. Text opens a {@code message}
 * item (its {@code output_text} part; a refusal delta its {@code refusal} part); each tool-call index opens a
 * {@code function_call} item when first seen, in output order, and argument fragments go out as they come, whatever
 * the interleaving (every event names its item and output index). Text after a tool call opens a new message item.
 * The finish reason closes every open item (done events in output order); the usage chunk that follows it fills
 * {@code usage} of the final event, else the caller's estimate given to {@link #finish} does, else it is null. Text
 * and arguments are kept to build the final response, which OpenAI sends whole, so memory follows the reply's size
 * (bounded by its tokens).
 *
 * <p>Per-request state: used from one event loop, so it needs no synchronisation.
 */
public final class ResponsesStream {
  private final ResponsesRequest request;
  private final String responseId;
  private final long createdAtSeconds;
  private final List<Item> items = new ArrayList<>();
  private final Map<Integer, Item> calls = new HashMap<>();
  private Item message;
  private String model;
  private String finishReason;
  private JsonObject usage;
  private int sequence;
  private boolean started;
  private boolean ended;
  private JsonObject response;

  /**
   * @param responseId the id of the response ({@code resp_…}), which item ids derive from
   * @param createdAtSeconds the response's creation time, epoch seconds
   */
  public ResponsesStream(ResponsesRequest request, String responseId, long createdAtSeconds) {
    this.request = request;
    this.responseId = responseId;
    this.createdAtSeconds = createdAtSeconds;
    this.model = request.model();
  }

  /** Translates one chunk; an in-band error chunk fails the stream. Ignored once the stream ended. */
  public void onChunk(JsonObject chunk, Consumer<ResponsesEvent> emit) {
    if (ended) {
      return;
    }
    if (chunk.getValue("model") instanceof String m && !m.isEmpty()) {
      // Read before the start so response.created names the model that answers, as OpenAI's does.
      model = m;
    }
    start(emit);
    if (chunk.getValue("error") instanceof JsonObject error) {
      fail(ResponsesErrors.fromInBand(error), emit);
      return;
    }
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = ResponsesReply.usage(u, null);
    }
    if (!(chunk.getValue("choices") instanceof JsonArray choices)) {
      return;
    }
    for (Object o : choices) {
      // Responses has one output sequence: the gateway never asks for n > 1, so only choice 0 counts.
      if (o instanceof JsonObject choice && choice.getInteger("index", 0) == 0) {
        choice(choice, emit);
      }
    }
  }

  /** The upstream stream ended ({@code [DONE]}): closes open items and sends the final event. */
  public void finish(Usage fallbackUsage, Consumer<ResponsesEvent> emit) {
    if (ended) {
      return;
    }
    start(emit);
    closeAll(emit);
    if (usage == null) {
      usage = ResponsesReply.usage(null, fallbackUsage);
    }
    String reason = ResponsesReply.incompleteReason(finishReason);
    JsonObject done = snapshot(reason == null ? "completed" : "incomplete");
    if (reason != null) {
      done.put("incomplete_details", new JsonObject().put("reason", reason));
    }
    end(reason == null ? "response.completed" : "response.incomplete", done, emit);
  }

  /** The stream broke after it started: sends {@code response.failed} carrying the error. */
  public void fail(ApiError error, Consumer<ResponsesEvent> emit) {
    if (ended) {
      return;
    }
    start(emit);
    for (Item item : items) {
      if (item.open) {
        item.open = false;
        item.status = "incomplete";
      }
    }
    JsonObject failed = snapshot("failed").put("error", ResponsesErrors.responseError(error));
    end("response.failed", failed, emit);
  }

  /** Whether the final event was sent. */
  public boolean ended() {
    return ended;
  }

  /** The final response object (as in the last event), or null before the end: what a store keeps. */
  public JsonObject response() {
    return response;
  }

  private void start(Consumer<ResponsesEvent> emit) {
    if (started) {
      return;
    }
    started = true;
    JsonObject created = ResponsesReply.skeleton(request, responseId, createdAtSeconds, model, "in_progress");
    send("response.created", new JsonObject().put("response", created), emit);
    send("response.in_progress", new JsonObject().put("response", created.copy()), emit);
  }

  private void choice(JsonObject choice, Consumer<ResponsesEvent> emit) {
    JsonObject delta = choice.getValue("delta") instanceof JsonObject d ? d : new JsonObject();
    if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
      messagePart(false, text, emit);
    }
    if (delta.getValue("refusal") instanceof String refusal && !refusal.isEmpty()) {
      messagePart(true, refusal, emit);
    }
    if (delta.getValue("tool_calls") instanceof JsonArray toolCalls) {
      for (Object o : toolCalls) {
        if (o instanceof JsonObject call) {
          toolCall(call, emit);
        }
      }
    }
    if (choice.getValue("finish_reason") instanceof String reason) {
      finishReason = reason;
      closeAll(emit);
    }
  }

  /** Text goes to the message's output_text part, a refusal to its refusal part; each part opens when first used. */
  private void messagePart(boolean refusal, String fragment, Consumer<ResponsesEvent> emit) {
    if (message == null) {
      message = open(new Item(ResponsesReply.itemId("msg", responseId, items.size()), items.size(), false), emit);
    }
    Part part = message.part(refusal);
    if (part == null) {
      part = message.addPart(refusal);
      send("response.content_part.added", message.at().put("content_index", part.index)
          .put("part", part.toJson("")), emit);
    }
    part.text.append(fragment);
    JsonObject event = message.at().put("content_index", part.index).put("delta", fragment);
    if (refusal) {
      send("response.refusal.delta", event, emit);
    } else {
      send("response.output_text.delta", event.put("logprobs", new JsonArray()), emit);
    }
  }

  private void toolCall(JsonObject call, Consumer<ResponsesEvent> emit) {
    int index = call.getValue("index") instanceof Number n ? n.intValue() : 0;
    JsonObject fn = call.getValue("function") instanceof JsonObject f ? f : new JsonObject();
    Item item = calls.get(index);
    if (item == null) {
      closeMessage(emit);
      item = new Item(ResponsesReply.itemId("fc", responseId, items.size()), items.size(), true);
      item.callId = call.getValue("id") instanceof String id && !id.isEmpty() ? id
          : ResponsesReply.itemId("call", responseId, items.size());
      item.name = fn.getValue("name") instanceof String name ? name : "";
      calls.put(index, item);
      open(item, emit);
    }
    if (fn.getValue("arguments") instanceof String fragment && !fragment.isEmpty() && item.open) {
      item.arguments.append(fragment);
      send("response.function_call_arguments.delta", item.at().put("delta", fragment), emit);
    }
  }

  private Item open(Item item, Consumer<ResponsesEvent> emit) {
    items.add(item);
    send("response.output_item.added", new JsonObject().put("output_index", item.outputIndex)
        .put("item", item.toJson()), emit);
    return item;
  }

  private void closeMessage(Consumer<ResponsesEvent> emit) {
    if (message != null) {
      close(message, emit);
      message = null;
    }
  }

  private void closeAll(Consumer<ResponsesEvent> emit) {
    message = null;
    for (Item item : items) {
      close(item, emit);
    }
  }

  private void close(Item item, Consumer<ResponsesEvent> emit) {
    if (!item.open) {
      return;
    }
    item.open = false;
    item.status = ResponsesReply.incompleteReason(finishReason) == null ? "completed" : "incomplete";
    if (item.functionCall) {
      send("response.function_call_arguments.done", item.at().put("name", item.name)
          .put("arguments", item.arguments.toString()), emit);
    }
    for (Part part : item.parts) {
      String all = part.text.toString();
      JsonObject at = item.at().put("content_index", part.index);
      if (part.refusal) {
        send("response.refusal.done", at.put("refusal", all), emit);
      } else {
        send("response.output_text.done", at.put("text", all).put("logprobs", new JsonArray()), emit);
      }
      send("response.content_part.done", item.at().put("content_index", part.index).put("part", part.toJson(all)),
          emit);
    }
    send("response.output_item.done", new JsonObject().put("output_index", item.outputIndex)
        .put("item", item.toJson()), emit);
  }

  private JsonObject snapshot(String status) {
    JsonObject out = ResponsesReply.skeleton(request, responseId, createdAtSeconds, model, status);
    JsonArray output = new JsonArray();
    items.forEach(item -> output.add(item.toJson()));
    return out.put("output", output).put("usage", usage);
  }

  private void end(String type, JsonObject finalResponse, Consumer<ResponsesEvent> emit) {
    ended = true;
    response = finalResponse;
    send(type, new JsonObject().put("response", finalResponse.copy()), emit);
  }

  private void send(String type, JsonObject fields, Consumer<ResponsesEvent> emit) {
    JsonObject data = new JsonObject().put("type", type).put("sequence_number", sequence++);
    fields.forEach(e -> data.put(e.getKey(), e.getValue()));
    emit.accept(new ResponsesEvent(type, data));
  }

  /** One output item being streamed: a message's parts or a function call's arguments. */
  private static final class Item {
    final String id;
    final int outputIndex;
    final boolean functionCall;
    final StringBuilder arguments = new StringBuilder();
    final List<Part> parts = new ArrayList<>(2);
    String callId;
    String name;
    String status = "in_progress";
    boolean open = true;

    Item(String id, int outputIndex, boolean functionCall) {
      this.id = id;
      this.outputIndex = outputIndex;
      this.functionCall = functionCall;
    }

    Part part(boolean refusal) {
      for (Part part : parts) {
        if (part.refusal == refusal) {
          return part;
        }
      }
      return null;
    }

    Part addPart(boolean refusal) {
      Part part = new Part(parts.size(), refusal);
      parts.add(part);
      return part;
    }

    /** The fields every item event starts with. */
    JsonObject at() {
      return new JsonObject().put("item_id", id).put("output_index", outputIndex);
    }

    JsonObject toJson() {
      if (functionCall) {
        return ResponsesReply.functionCallItem(id, status, callId, name, arguments.toString());
      }
      JsonArray content = new JsonArray();
      parts.forEach(part -> content.add(part.toJson(part.text.toString())));
      return ResponsesReply.messageItem(id, status, content);
    }
  }

  /** One content part of a message: output text or a refusal, at its content index. */
  private static final class Part {
    final int index;
    final boolean refusal;
    final StringBuilder text = new StringBuilder();

    Part(int index, boolean refusal) {
      this.index = index;
      this.refusal = refusal;
    }

    JsonObject toJson(String text) {
      return refusal ? new JsonObject().put("type", "refusal").put("refusal", text) : ResponsesReply.textPart(text);
    }
  }
}
