package dev.switchboard.provider.openai;

import dev.switchboard.provider.NativeStream;
import dev.switchboard.provider.UpstreamError;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI Responses stream relayed event by event, {@code sequence_number}s as sent. The first delta (output
 * text, refusal, function-call arguments, reasoning) or finished output item commits it; {@code response.completed}
 * and {@code response.incomplete} end it with their usage; {@code response.failed} and {@code error} fail it (not
 * relayed: the gateway fails over before the commit and writes its own {@code response.failed} after it). Only those
 * final events are parsed.
 */
final class ResponsesNativeStream extends NativeStream {

  @Override
  protected void read(String type) {
    switch (type) {
      case "response.completed", "response.incomplete" -> {
        if (data() != null && data().getValue("response") instanceof JsonObject r) {
          usage(ResponsesNative.usage(r.getValue("usage")));
        }
        content();
        end();
      }
      case "response.failed" -> {
        JsonObject response = data() != null && data().getValue("response") instanceof JsonObject r
            ? r : new JsonObject();
        if (response.getValue("usage") != null) {
          usage(ResponsesNative.usage(response.getValue("usage")));
        }
        fail(inBand(response.getValue("error") instanceof JsonObject e ? e : new JsonObject()));
      }
      case "error" -> fail(inBand(errorObject()));
      default -> {
        if (type.endsWith(".delta") || "response.output_item.done".equals(type)) {
          content();
        }
      }
    }
  }

  /** An error the stream carried (a failed response's {@code error}, an {@code error} event), key-like text scrubbed. */
  private static UpstreamError inBand(JsonObject e) {
    Object code = e.getValue("code");
    Object type = e.getValue("type");
    return new UpstreamError(0, OpenAiErrors.safeMessage(e), code == null ? null : code.toString(),
        type == null ? null : type.toString(), null, -1);
  }
}
