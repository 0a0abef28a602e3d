package dev.switchboard.provider.openai;

import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.api.Usage;
import dev.switchboard.api.SseEvent;
import dev.switchboard.api.ByteBufs;
import io.vertx.core.buffer.Buffer;
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
    // The scans read the event's bytes where they lie: the upstream read's backing array, no copy per event.
    ByteBufs.Range range = ByteBufs.inPlace(data);
    byte[] bytes = range.array();
    int from = range.from();
    int to = range.to();
    if (UsageScanner.firstNonBlank(bytes, from, to) != '{' || UsageScanner.lastNonBlank(bytes, from, to) != '}') {
      error = new UpstreamError(0, "the provider sent a stream event that is not a JSON object",
          "invalid_stream_event", null, null, -1);
      return;
    }
    if ("error".equals(event.event()) || UsageScanner.startsWithErrorKey(bytes, from, to)
        || (UsageScanner.indexOf(bytes, UsageScanner.ERROR_KEY, from, to) >= 0 && isErrorChunk(data))) {
      error = readError(data);
      return;
    }
    Usage found = UsageScanner.find(bytes, from, to);
    boolean usageChunk = false;
    if (found != Usage.NONE) {
      usage = found;
      usageChunk = choicesEmpty(bytes, from, to);
    }
    if (usageChunk && !clientWantsUsage) {
      return;
    }
    if (usageAskedForClient) {
      Buffer stripped = UsageScanner.withoutNullUsage(bytes, from, to);
      if (stripped != null) {
        data = stripped;
        ByteBufs.Range out = ByteBufs.inPlace(stripped);
        bytes = out.array();
        from = out.from();
        to = out.to();
      }
    }
    if (!emitted && !Preamble.test(bytes, from, to, data)) {
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
  static boolean choicesEmpty(byte[] b, int from, int to) {
    for (int at = UsageScanner.indexOf(b, CHOICES, from, to); at >= 0;
         at = UsageScanner.indexOf(b, CHOICES, at + 1, to)) {
      int p = JsonScan.skipBlank(b, at + CHOICES.length, to);
      if (p < to && b[p] == ':') {
        p = JsonScan.skipBlank(b, p + 1, to);
        if (p >= to || b[p] != '[') {
          return p < to && b[p] == 'n';
        }
        p = JsonScan.skipBlank(b, p + 1, to);
        return p < to && b[p] == ']';
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
