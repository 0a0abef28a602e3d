package dev.switchboard.testing;

import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.api.SseEvent;
import dev.switchboard.api.SseParser;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Drives a {@link StreamTranslator} the way the gateway does: the upstream body arrives in reads of a given size
 * (so events, lines and multi-byte characters split across reads) through the real {@link SseParser}.
 *
 * @param payloads what the translator emitted, in order
 * @param contentAtEmit {@link StreamTranslator#emittedContent()} at each emit: false marks the held-back preamble
 */
public record StreamRun(List<String> payloads, List<Boolean> contentAtEmit, StreamTranslator translator) {

  public static StreamRun of(StreamTranslator translator, byte[] body, int readSize) {
    List<String> payloads = new ArrayList<>();
    List<Boolean> content = new ArrayList<>();
    feed(body, readSize, event -> translator.onEvent(event, payload -> {
      payloads.add(payload.toString(StandardCharsets.UTF_8));
      content.add(translator.emittedContent());
    }));
    return new StreamRun(payloads, content, translator);
  }

  /** Parses {@code body} in reads of {@code readSize} bytes through the real {@link SseParser}, event by event. */
  public static void feed(byte[] body, int readSize, Consumer<SseEvent> sink) {
    SseParser parser = new SseParser(1 << 20, sink);
    for (int at = 0; at < body.length; at += readSize) {
      parser.feed(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + readSize))));
    }
    parser.finish();
  }

  /** The payloads with the clock and invented ids normalised, for comparison with a golden file. */
  public List<String> normalized() {
    return Fixtures.normalize(payloads);
  }

  /** How many payloads were emitted before the first content-bearing one (the preamble the gateway holds back). */
  public int preamble() {
    int n = contentAtEmit.indexOf(true);
    return n < 0 ? contentAtEmit.size() : n;
  }
}
