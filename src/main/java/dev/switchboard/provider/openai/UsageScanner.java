package dev.switchboard.provider.openai;

import dev.switchboard.api.ByteScan;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Finds the {@code usage} object in a complete OpenAI reply without parsing the whole body: the reply passes
 * through byte for byte anyway, and usage sits at its end, so scanning back for the key and parsing only that
 * small object saves a full JSON parse per request. A {@code "usage"} that is not followed by {@code :} is a string
 * value, not the key; inside strings quotes are escaped, so text cannot fake the key.
 */
final class UsageScanner {
  private static final byte[] KEY = {'"', 'u', 's', 'a', 'g', 'e', '"'};
  static final byte[] ERROR_KEY = {'"', 'e', 'r', 'r', 'o', 'r', '"'};

  private UsageScanner() {
  }

  /** The usage of a whole array; see {@link #find(byte[], int, int)}. */
  static Usage find(byte[] b) {
    return find(b, 0, b.length);
  }

  /**
   * The usage object of the JSON spanning {@code [from, to)} of {@code b}, read in place (callers pass a buffer's
   * backing array, not a copy), or {@link Usage#NONE}.
   */
  static Usage find(byte[] b, int from, int to) {
    for (int i = ByteScan.lastIndexOf(b, from, to, KEY); i >= 0;
         i = ByteScan.lastIndexOf(b, from, i + KEY.length - 1, KEY)) {
      int p = JsonScan.skipBlank(b, i + KEY.length, to);
      if (p >= to || b[p] != ':') {
        continue;
      }
      p = JsonScan.skipBlank(b, p + 1, to);
      if (p >= to || b[p] != '{') {
        return Usage.NONE;
      }
      int end = matchingBrace(b, p, to);
      if (end < 0) {
        return Usage.NONE;
      }
      Usage scanned = UsageObject.read(b, p, end + 1);
      if (scanned != null) {
        return scanned;
      }
      try {
        return Usage.fromOpenAi(new JsonObject(Buffer.buffer().appendBytes(b, p, end + 1 - p)));
      } catch (RuntimeException e) {
        return Usage.NONE;
      }
    }
    return Usage.NONE;
  }

  /** Whether {@code needle} stands in {@code b} at {@code at}. */
  private static boolean matchesAt(byte[] b, int at, int to, byte[] needle) {
    if (at < 0 || at + needle.length > to) {
      return false;
    }
    for (int k = 0; k < needle.length; k++) {
      if (b[at + k] != needle[k]) {
        return false;
      }
    }
    return true;
  }

  /** Index of the brace closing the object opened at {@code open}, skipping strings; -1 if unbalanced. */
  private static int matchingBrace(byte[] b, int open, int to) {
    int depth = 0;
    boolean inString = false;
    for (int i = open; i < to; i++) {
      byte c = b[i];
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  /** First index of {@code needle} in {@code bytes}, or -1. */
  static int indexOf(byte[] bytes, byte[] needle) {
    return indexOf(bytes, needle, 0, bytes.length);
  }

  /** First index of {@code needle} in {@code bytes} at or after {@code from} and ending by {@code to}, or -1. */
  static int indexOf(byte[] bytes, byte[] needle, int from, int to) {
    return ByteScan.indexOf(bytes, from, to, needle);
  }

  /** First byte of {@code [from, to)} that is not whitespace, or -1. */
  static int firstNonBlank(byte[] b, int from, int to) {
    int p = JsonScan.skipBlank(b, from, to);
    return p < to ? b[p] : -1;
  }

  static int firstNonBlank(byte[] b) {
    return firstNonBlank(b, 0, b.length);
  }

  /** Last byte of {@code [from, to)} that is not whitespace, or -1. */
  static int lastNonBlank(byte[] b, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
    }
    return -1;
  }

  static int lastNonBlank(byte[] b) {
    return lastNonBlank(b, 0, b.length);
  }

  /**
   * The chunk without its top-level {@code "usage":null} member (and the comma that joined it), or {@code b} itself
   * when it has none. OpenAI adds that member to every chunk once {@code include_usage} is set; a client that did
   * not ask for usage must see the chunk as it would have been without it. Nested objects and strings are skipped,
   * so a {@code usage} inside a delta or inside text is never touched.
   */
  static byte[] withoutNullUsage(byte[] b) {
    int[] cut = nullUsageMember(b, 0, b.length);
    return cut == null ? b : cut(b, cut[0], cut[1]);
  }

  /**
   * The chunk spanning {@code [from, to)} without its top-level {@code "usage":null} member, as a new buffer, or
   * null when it has none (then the chunk goes out as it is).
   */
  static Buffer withoutNullUsage(byte[] b, int from, int to) {
    int[] cut = nullUsageMember(b, from, to);
    if (cut == null) {
      return null;
    }
    return Buffer.buffer(to - from - (cut[1] - cut[0])).appendBytes(b, from, cut[0] - from)
        .appendBytes(b, cut[1], to - cut[1]);
  }

  /** The bytes {@code {start, end}} to drop for {@link #withoutNullUsage}, or null. */
  private static int[] nullUsageMember(byte[] b, int from, int to) {
    if (indexOf(b, KEY, from, to) < 0) {
      return null;
    }
    int depth = 0;
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c == '"') {
        if (depth == 1 && matchesAt(b, i, to, KEY)) {
          int colon = JsonScan.skipBlank(b, i + KEY.length, to);
          if (colon < to && b[colon] == ':') {
            int value = JsonScan.skipBlank(b, colon + 1, to);
            int after = value + NULL.length;
            if (matchesAt(b, value, to, NULL) && after < to) {
              int next = JsonScan.skipBlank(b, after, to);
              int before = lastNonBlankBefore(b, from, i);
              if (before >= from && b[before] == ',') {
                return new int[] {before, after};             // ..."x":1,"usage":null}  ->  ..."x":1}
              }
              if (next < to && b[next] == ',') {
                return new int[] {i, JsonScan.skipBlank(b, next + 1, to)};   // {"usage":null,"x":1}  ->  {"x":1}
              }
              return new int[] {i, after};                    // {"usage":null}  ->  {}
            }
          }
        }
        i = endOfString(b, i, to);
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return null;
  }

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  /** Index of the quote closing the string opened at {@code open} (or the last index if it never closes). */
  private static int endOfString(byte[] b, int open, int to) {
    for (int i = open + 1; i < to; i++) {
      if (b[i] == '\\') {
        i++;
      } else if (b[i] == '"') {
        return i;
      }
    }
    return to - 1;
  }

  private static int lastNonBlankBefore(byte[] b, int from, int at) {
    int i = at - 1;
    while (i >= from && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i--;
    }
    return i;
  }

  /** {@code b} without the bytes from {@code from} (inclusive) to {@code to} (exclusive). */
  private static byte[] cut(byte[] b, int from, int to) {
    byte[] out = new byte[b.length - (to - from)];
    System.arraycopy(b, 0, out, 0, from);
    System.arraycopy(b, to, out, from, b.length - to);
    return out;
  }

  /** Whether the object's first key is "error": a 2xx reply that is really an error (some proxies do this). */
  static boolean startsWithErrorKey(byte[] b) {
    return startsWithErrorKey(b, 0, b.length);
  }

  static boolean startsWithErrorKey(byte[] b, int from, int to) {
    int p = JsonScan.skipBlank(b, from, to);
    return p < to && b[p] == '{' && matchesAt(b, JsonScan.skipBlank(b, p + 1, to), to, ERROR_KEY);
  }
}
