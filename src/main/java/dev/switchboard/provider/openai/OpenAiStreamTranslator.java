package dev.switchboard.provider.openai;

import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.api.Usage;
import dev.switchboard.api.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * Passes OpenAI chunks through as the upstream's bytes, except what Switchboard's own {@code include_usage} added
 * when the client did not ask for it: the final usage chunk, and the {@code "usage":null} member OpenAI then puts
 * in every other chunk. Chunks are inspected by scanning, not parsed: only an error event or the usage object is
 * ever decoded.
 */
final class OpenAiStreamTranslator implements StreamTranslator {
  private static final byte[] CHOICES = {'"', 'c', 'h', 'o', 'i', 'c', 'e', 's', '"'};
  private final boolean clientWantsUsage;
  private final boolean usageAskedForClient;
  private boolean done;
  private boolean emitted;
  private UpstreamError error;
  private Usage usage = Usage.NONE;

  /**
   * @param clientWantsUsage the client asked for the usage chunk
   * @param usageAskedForClient Switchboard set {@code include_usage} upstream on the client's behalf
   */
  OpenAiStreamTranslator(boolean clientWantsUsage, boolean usageAskedForClient) {
    this.clientWantsUsage = clientWantsUsage;
    this.usageAskedForClient = usageAskedForClient;
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
    Buffer data = event.buffer();
    // One copy of the event's bytes serves every scan below: array reads are far cheaper than Buffer.getByte.
    byte[] bytes = data.getBytes();
    if (UsageScanner.firstNonBlank(bytes) != '{' || UsageScanner.lastNonBlank(bytes) != '}') {
      error = new UpstreamError(0, "the provider sent a stream event that is not a JSON object",
          "invalid_stream_event", null, null, -1);
      return;
    }
    if ("error".equals(event.event()) || UsageScanner.startsWithErrorKey(bytes)
        || (UsageScanner.indexOf(bytes, UsageScanner.ERROR_KEY) >= 0 && isErrorChunk(data))) {
      error = readError(data);
      return;
    }
    Usage found = UsageScanner.find(bytes);
    boolean usageChunk = false;
    if (found != Usage.NONE) {
      usage = found;
      usageChunk = choicesEmpty(bytes);
    }
    if (usageChunk && !clientWantsUsage) {
      return;
    }
    if (usageAskedForClient) {
      byte[] stripped = UsageScanner.withoutNullUsage(bytes);
      if (stripped != bytes) {
        data = Buffer.buffer(stripped);
      }
    }
    if (!emitted && !isPreamble(data)) {
      emitted = true;
    }
    emit.accept(data);
  }

  /**
   * A chunk that carries an error anywhere at its top level: OpenRouter sends {"id":…,"error":{…},"choices":[…]},
   * vLLM {"object":"error",…}. Parsed only when the bytes contain "error", which escaped text cannot fake.
   */
  private static boolean isErrorChunk(Buffer data) {
    try {
      JsonObject json = new JsonObject(data);
      return json.getValue("error") instanceof JsonObject || "error".equals(json.getValue("object"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether a chunk carries nothing a client would show: only a role and empty content, no finish reason. The
   * stream commits on the first chunk that is not a preamble, so an upstream that fails right after its role chunk
   * still gets a clean HTTP error (and, with failover, another provider). Any field not known to be empty counts as
   * content. Only parsed until the first content chunk.
   */
  static boolean isPreamble(Buffer data) {
    JsonObject chunk;
    try {
      chunk = new JsonObject(data);
    } catch (RuntimeException e) {
      return false;
    }
    if (!(chunk.getValue("choices") instanceof JsonArray choices) || choices.isEmpty()) {
      // No choices and no usage: Azure's opening prompt_filter_results chunk, or a keep-alive. Nothing to show.
      return chunk.getValue("usage") == null && chunk.getValue("error") == null;
    }
    for (Object c : choices) {
      if (!(c instanceof JsonObject choice) || choice.getValue("finish_reason") != null) {
        return false;
      }
      if (choice.getValue("text") instanceof String text && !text.isEmpty()) {
        return false;
      }
      if (choice.getValue("delta") instanceof JsonObject delta) {
        for (String key : delta.fieldNames()) {
          Object v = delta.getValue(key);
          boolean empty = v == null || (v instanceof String str && (str.isEmpty() || key.equals("role")));
          if (!empty) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private static UpstreamError readError(Buffer data) {
    try {
      JsonObject json = new JsonObject(data);
      JsonObject e = json.getValue("error") instanceof JsonObject o ? o : json;
      Object code = e.getValue("code");
      Object type = e.getValue("type");
      return new UpstreamError(0, OpenAiErrors.safeMessage(e), code == null ? null : code.toString(),
          type == null ? null : type.toString(), null, -1);
    } catch (RuntimeException ex) {
      return new UpstreamError(0, "the provider sent an unreadable error event", "invalid_stream_event", null, null,
          -1);
    }
  }

  /** True when the chunk has no choices (absent, or an empty array): the shape of the final usage chunk. */
  static boolean choicesEmpty(byte[] b) {
    for (int at = UsageScanner.indexOf(b, CHOICES); at >= 0; at = UsageScanner.indexOf(b, CHOICES, at + 1)) {
      int p = UsageScanner.skipBlank(b, at + CHOICES.length);
      if (p < b.length && b[p] == ':') {
        p = UsageScanner.skipBlank(b, p + 1);
        if (p >= b.length || b[p] != '[') {
          return p < b.length && b[p] == 'n';
        }
        p = UsageScanner.skipBlank(b, p + 1);
        return p < b.length && b[p] == ']';
      }
    }
    return true;
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
