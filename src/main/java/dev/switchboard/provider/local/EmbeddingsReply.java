package dev.switchboard.provider.local;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;

import java.util.Base64;
import java.util.List;

/**
 * The local provider's embeddings reply for one request: its size bound, known before anything is built, and the
 * JSON written straight into one buffer of that size (no tree of boxed numbers, which cost several times the
 * reply's own bytes). Thread-safe to build from a worker: it only reads its own immutable inputs.
 */
final class EmbeddingsReply {
  /** The longest {@link Float#toString} of a value in [-1, 1] ("-1.2345679E-38", 14 chars), with its comma. */
  static final int MAX_FLOAT_CHARS = 16;
  /** {"object":"embedding","index":2147483647,"embedding":[...]}, with its comma and base64 quotes. */
  static final int ITEM_OVERHEAD = 64;
  /** The list's envelope and usage; the model name is added escaped at worst as \\uXXXX per character. */
  static final int ENVELOPE = 160;

  private final String model;
  private final List<String> inputs;
  private final int dims;
  private final boolean base64;

  EmbeddingsReply(String model, List<String> inputs, int dims, boolean base64) {
    this.model = model;
    this.inputs = List.copyOf(inputs);
    this.dims = dims;
    this.base64 = base64;
  }

  /** An upper bound of the reply's size in bytes. */
  long maxBytes() {
    long perValue = base64 ? 0 : MAX_FLOAT_CHARS;
    long perItem = base64 ? ((dims * 4L + 2) / 3) * 4 : dims * perValue;
    return ENVELOPE + 6L * model.length() + inputs.size() * (perItem + ITEM_OVERHEAD);
  }

  long promptTokens() {
    long tokens = 0;
    for (String text : inputs) {
      tokens += LocalResponder.estimateTokens(text);
    }
    return tokens;
  }

  Buffer build() {
    Buffer out = Buffer.buffer((int) Math.min(Integer.MAX_VALUE - 8, maxBytes()));
    out.appendString("{\"object\":\"list\",\"data\":[");
    byte[] raw = base64 ? new byte[dims * 4] : null;
    for (int i = 0; i < inputs.size(); i++) {
      if (i > 0) {
        out.appendByte((byte) ',');
      }
      out.appendString("{\"object\":\"embedding\",\"index\":").appendString(Integer.toString(i))
          .appendString(",\"embedding\":");
      float[] v = LocalResponder.vector(inputs.get(i), dims);
      if (base64) {
        for (int d = 0; d < dims; d++) {
          int bits = Float.floatToIntBits(v[d]);
          raw[d * 4] = (byte) bits;
          raw[d * 4 + 1] = (byte) (bits >>> 8);
          raw[d * 4 + 2] = (byte) (bits >>> 16);
          raw[d * 4 + 3] = (byte) (bits >>> 24);
        }
        out.appendByte((byte) '"').appendBytes(Base64.getEncoder().encode(raw)).appendByte((byte) '"');
      } else {
        out.appendByte((byte) '[');
        for (int d = 0; d < dims; d++) {
          if (d > 0) {
            out.appendByte((byte) ',');
          }
          out.appendString(Float.toString(v[d]));
        }
        out.appendByte((byte) ']');
      }
      out.appendByte((byte) '}');
    }
    long tokens = promptTokens();
    out.appendString("],\"model\":").appendString(Json.encode(model))
        .appendString(",\"usage\":{\"prompt_tokens\":").appendString(Long.toString(tokens))
        .appendString(",\"total_tokens\":").appendString(Long.toString(tokens)).appendString("}}");
    return out;
  }
}
