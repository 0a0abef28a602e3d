package dev.switchboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.switchboard.config.ServerConfig;
import io.vertx.core.json.jackson.JacksonCodec;

import java.lang.reflect.Field;

/**
 * Sets the JSON parser's limits from the gateway's own size limits instead of Jackson's defaults, which refuse a
 * string of 20 MB or more: a valid 21 MB reply converted for a {@code stream: true} client failed as "not a JSON
 * object". Strings and whole documents may be as long as the largest body or reply the gateway accepts (which
 * already bound them); number length and nesting keep small fixed limits, since long numbers cost quadratic time
 * to parse and deep nesting costs stack on an event loop.
 *
 * <p>Vert.x parses every {@code JsonObject} with one process-wide Jackson factory (also behind its databind codec)
 * that it builds once from {@code vertx.jackson.*} system properties; those are read only when the class loads,
 * which is before the configuration is, so the constraints are set on that factory itself.
 */
final class JsonLimits {
  /** Jackson's default; digits beyond it are no LLM API's. */
  static final int MAX_NUMBER_LENGTH = 1_000;
  /** Jackson's default; OpenAI's JSON schemas and tool arguments nest far less. */
  static final int MAX_NESTING_DEPTH = 1_000;

  private JsonLimits() {
  }

  static StreamReadConstraints constraints(ServerConfig server) {
    long largest = Math.max(server.maxBodyBytes(), server.maxResponseBytes());
    // A string's characters never outnumber the bytes of the document holding it.
    int maxString = (int) Math.min(Integer.MAX_VALUE, largest);
    return StreamReadConstraints.builder()
        .maxStringLength(maxString)
        .maxDocumentLength(largest)
        .maxNumberLength(MAX_NUMBER_LENGTH)
        .maxNestingDepth(MAX_NESTING_DEPTH)
        .build();
  }

  static void apply(ServerConfig server) {
    factory().setStreamReadConstraints(constraints(server));
  }

  /** The factory every Vert.x {@code JsonObject}/{@code JsonArray} parse uses. */
  static JsonFactory factory() {
    try {
      Field f = JacksonCodec.class.getDeclaredField("factory");
      f.setAccessible(true);
      return (JsonFactory) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot reach Vert.x's Jackson factory to set its parser limits "
          + "(a Vert.x upgrade may have moved it)", e);
    }
  }
}
