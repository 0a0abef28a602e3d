package dev.switchboard.provider.openai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static dev.switchboard.provider.openai.JsonScan.FAIL;

/**
 * Whether a chunk carries nothing a client would show: only a role and empty content, no finish reason. The stream
 * commits on the first chunk that is not a preamble, so an upstream that fails right after its role chunk still
 * gets a clean HTTP error (and, with failover, another provider). Any field not known to be empty counts as content.
 *
 * <p>Asked of every chunk until the first content chunk, so it is answered from the bytes ({@link JsonScan}); a
 * chunk the scan cannot judge exactly (malformed, duplicate or escaped keys that matter, odd limits) goes to
 * {@link #parsed}, the Jackson reading that defines the answer.
 */
final class Preamble {
  private static final byte[] CHOICES = "choices".getBytes();
  private static final byte[] USAGE = "usage".getBytes();
  private static final byte[] ERROR = "error".getBytes();
  private static final byte[] FINISH_REASON = "finish_reason".getBytes();
  private static final byte[] TEXT = "text".getBytes();
  private static final byte[] DELTA = "delta".getBytes();
  private static final byte[] ROLE = "role".getBytes();
  /** More delta fields than this and the duplicate check is left to Jackson. */
  private static final int MAX_DELTA_KEYS = 16;
  private static final int YES = 1;
  private static final int NO = 0;

  private Preamble() {
  }

  /** The chunk spanning {@code [from, to)} of {@code b}; {@code data} is the same bytes, for the parsed reading. */
  static boolean test(byte[] b, int from, int to, Buffer data) {
    int scanned = scan(b, from, to);
    return scanned == FAIL ? parsed(data) : scanned == YES;
  }

  /** YES, NO, or FAIL when the bytes alone cannot give Jackson's answer. */
  static int scan(byte[] b, int from, int to) {
    int p = JsonScan.skipBlank(b, from, to);
    if (p >= to || b[p] != '{') {
      return FAIL;
    }
    int choices = -1;
    int choicesEnd = -1;
    int seenChoices = 0;
    int seenUsage = 0;
    int seenError = 0;
    boolean usageNull = true;
    boolean errorNull = true;
    p = JsonScan.skipBlank(b, p + 1, to);
    if (p < to && b[p] == '}') {
      p++;
    } else {
      while (true) {
        if (p >= to || b[p] != '"') {
          return FAIL;
        }
        int key = p;
        p = JsonScan.skipString(b, p, to);
        if (p < 0) {
          return FAIL;
        }
        int keyEnd = p;
        p = JsonScan.skipBlank(b, p, to);
        if (p >= to || b[p] != ':') {
          return FAIL;
        }
        int value = JsonScan.skipBlank(b, p + 1, to);
        p = JsonScan.skipValue(b, value, to);
        if (p < 0) {
          return FAIL;
        }
        if (JsonScan.escaped(b, key, keyEnd)) {
          return FAIL;   // "\u0063hoices" is "choices" to Jackson
        }
        if (JsonScan.keyIs(b, key, keyEnd, CHOICES)) {
          seenChoices++;
          choices = value;
          choicesEnd = p;
        } else if (JsonScan.keyIs(b, key, keyEnd, USAGE)) {
          seenUsage++;
          usageNull = b[value] == 'n';
        } else if (JsonScan.keyIs(b, key, keyEnd, ERROR)) {
          seenError++;
          errorNull = b[value] == 'n';
        }
        p = JsonScan.skipBlank(b, p, to);
        if (p >= to) {
          return FAIL;
        }
        if (b[p] == '}') {
          p++;
          break;
        }
        if (b[p] != ',') {
          return FAIL;
        }
        p = JsonScan.skipBlank(b, p + 1, to);
      }
    }
    if (JsonScan.skipBlank(b, p, to) != to || seenChoices > 1 || seenUsage > 1 || seenError > 1) {
      return FAIL;
    }
    // The whole chunk is well-formed from here on: the walks below need not check again.
    if (choices < 0 || b[choices] != '[' || JsonScan.skipBlank(b, choices + 1, choicesEnd) == choicesEnd - 1) {
      // No choices and no usage: Azure's opening prompt_filter_results chunk, or a keep-alive. Nothing to show.
      return usageNull && errorNull ? YES : NO;
    }
    int c = JsonScan.skipBlank(b, choices + 1, choicesEnd);
    while (true) {
      int end = JsonScan.skipValue(b, c, choicesEnd);
      int verdict = b[c] == '{' ? choice(b, c, end) : NO;
      if (verdict != YES) {
        return verdict;
      }
      c = JsonScan.skipBlank(b, end, choicesEnd);
      if (b[c] == ']') {
        return YES;
      }
      c = JsonScan.skipBlank(b, c + 1, choicesEnd);
    }
  }

  /** One well-formed choice object spanning {@code [p, end)}: YES when it shows nothing, NO, or FAIL. */
  private static int choice(byte[] b, int p, int end) {
    int seenFinish = 0;
    int seenText = 0;
    int seenDelta = 0;
    boolean finishNull = true;
    boolean textEmpty = true;
    int delta = -1;
    int deltaEnd = -1;
    p = JsonScan.skipBlank(b, p + 1, end);
    while (b[p] != '}') {
      int key = p;
      int keyEnd = JsonScan.skipString(b, p, end);
      int value = JsonScan.skipBlank(b, JsonScan.skipBlank(b, keyEnd, end) + 1, end);
      int valueEnd = JsonScan.skipValue(b, value, end);
      if (JsonScan.escaped(b, key, keyEnd)) {
        return FAIL;
      }
      if (JsonScan.keyIs(b, key, keyEnd, FINISH_REASON)) {
        seenFinish++;
        finishNull = b[value] == 'n';
      } else if (JsonScan.keyIs(b, key, keyEnd, TEXT)) {
        seenText++;
        // Only a non-empty string is text; a number or an object there is not.
        textEmpty = b[value] != '"' || valueEnd - value == 2;
      } else if (JsonScan.keyIs(b, key, keyEnd, DELTA)) {
        seenDelta++;
        delta = value;
        deltaEnd = valueEnd;
      }
      p = JsonScan.skipBlank(b, valueEnd, end);
      if (b[p] == ',') {
        p = JsonScan.skipBlank(b, p + 1, end);
      }
    }
    if (seenFinish > 1 || seenText > 1 || seenDelta > 1) {
      return FAIL;
    }
    if (!finishNull || !textEmpty) {
      return NO;
    }
    return delta >= 0 && b[delta] == '{' ? delta(b, delta, deltaEnd) : YES;
  }

  /** A well-formed delta object: YES when every field is null, an empty string or the role; NO; or FAIL. */
  private static int delta(byte[] b, int p, int end) {
    int[] keys = null;
    int count = 0;
    boolean shows = false;
    p = JsonScan.skipBlank(b, p + 1, end);
    while (b[p] != '}') {
      int key = p;
      int keyEnd = JsonScan.skipString(b, p, end);
      int value = JsonScan.skipBlank(b, JsonScan.skipBlank(b, keyEnd, end) + 1, end);
      int valueEnd = JsonScan.skipValue(b, value, end);
      if (JsonScan.escaped(b, key, keyEnd) || count == MAX_DELTA_KEYS) {
        return FAIL;
      }
      if (keys == null) {
        keys = new int[2 * MAX_DELTA_KEYS];
      }
      for (int k = 0; k < count; k++) {
        if (JsonScan.sameBytes(b, keys[2 * k], keys[2 * k + 1], key, keyEnd)) {
          return FAIL;   // the later one wins in Jackson's map
        }
      }
      keys[2 * count] = key;
      keys[2 * count + 1] = keyEnd;
      count++;
      byte v = b[value];
      boolean empty = v == 'n' || (v == '"' && (valueEnd - value == 2 || JsonScan.keyIs(b, key, keyEnd, ROLE)));
      shows |= !empty;
      p = JsonScan.skipBlank(b, valueEnd, end);
      if (b[p] == ',') {
        p = JsonScan.skipBlank(b, p + 1, end);
      }
    }
    return shows ? NO : YES;
  }

  /** The defining reading, through Jackson: what {@link #scan} must agree with wherever it answers. */
  static boolean parsed(Buffer data) {
    JsonObject chunk;
    try {
      chunk = new JsonObject(data);
    } catch (RuntimeException e) {
      return false;
    }
    if (!(chunk.getValue("choices") instanceof JsonArray choices) || choices.isEmpty()) {
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
}
