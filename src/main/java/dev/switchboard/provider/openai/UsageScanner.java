package dev.switchboard.provider.openai;

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

  /** Works on the body's bytes: callers copy them once and run every scan on plain array reads. */
  static Usage find(byte[] b) {
    int len = b.length;
    for (int i = len - KEY.length; i >= 0; i--) {
      if (b[i] != '"' || !matchesAt(b, i, KEY)) {
        continue;
      }
      int p = skipBlank(b, i + KEY.length);
      if (p >= len || b[p] != ':') {
        continue;
      }
      p = skipBlank(b, p + 1);
      if (p >= len || b[p] != '{') {
        return Usage.NONE;
      }
      int end = matchingBrace(b, p);
      if (end < 0) {
        return Usage.NONE;
      }
      try {
        return Usage.fromOpenAi(new JsonObject(Buffer.buffer(b).slice(p, end + 1)));
      } catch (RuntimeException e) {
        return Usage.NONE;
      }
    }
    return Usage.NONE;
  }

  /** Whether {@code needle} stands in {@code b} at {@code at}. */
  private static boolean matchesAt(byte[] b, int at, byte[] needle) {
    if (at < 0 || at + needle.length > b.length) {
      return false;
    }
    for (int k = 0; k < needle.length; k++) {
      if (b[at + k] != needle[k]) {
        return false;
      }
    }
    return true;
  }

  static int skipBlank(byte[] b, int p) {
    while (p < b.length) {
      byte c = b[p];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      p++;
    }
    return p;
  }

  /** Index of the brace closing the object opened at {@code open}, skipping strings; -1 if unbalanced. */
  private static int matchingBrace(byte[] b, int open) {
    int depth = 0;
    boolean inString = false;
    for (int i = open; i < b.length; i++) {
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
    return indexOf(bytes, needle, 0);
  }

  /** First index of {@code needle} in {@code bytes} at or after {@code from}, or -1. */
  static int indexOf(byte[] bytes, byte[] needle, int from) {
    for (int i = from; i + needle.length <= bytes.length; i++) {
      if (bytes[i] == needle[0] && matchesAt(bytes, i, needle)) {
        return i;
      }
    }
    return -1;
  }

  /** First byte that is not whitespace, or -1. */
  static int firstNonBlank(byte[] b) {
    int p = skipBlank(b, 0);
    return p < b.length ? b[p] : -1;
  }

  /** Last byte that is not whitespace, or -1. */
  static int lastNonBlank(byte[] b) {
    for (int i = b.length - 1; i >= 0; i--) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
    }
    return -1;
  }

  /**
   * The chunk without its top-level {@code "usage":null} member (and the comma that joined it), or {@code b} itself
   * when it has none. OpenAI adds that member to every chunk once {@code include_usage} is set; a client that did
   * not ask for usage must see the chunk as it would have been without it. Nested objects and strings are skipped,
   * so a {@code usage} inside a delta or inside text is never touched.
   */
  static byte[] withoutNullUsage(byte[] b) {
    if (indexOf(b, KEY) < 0) {
      return b;
    }
    int depth = 0;
    for (int i = 0; i < b.length; i++) {
      byte c = b[i];
      if (c == '"') {
        if (depth == 1 && matchesAt(b, i, KEY)) {
          int colon = skipBlank(b, i + KEY.length);
          if (colon < b.length && b[colon] == ':') {
            int value = skipBlank(b, colon + 1);
            int after = value + NULL.length;
            if (matchesAt(b, value, NULL) && after < b.length) {
              int next = skipBlank(b, after);
              int before = lastNonBlankBefore(b, i);
              if (before >= 0 && b[before] == ',') {
                return cut(b, before, after);           // ..."x":1,"usage":null}  ->  ..."x":1}
              }
              if (next < b.length && b[next] == ',') {
                return cut(b, i, skipBlank(b, next + 1));   // {"usage":null,"x":1}  ->  {"x":1}
              }
              return cut(b, i, after);                   // {"usage":null}  ->  {}
            }
          }
        }
        i = endOfString(b, i);
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return b;
  }

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  /** Index of the quote closing the string opened at {@code open} (or the last index if it never closes). */
  private static int endOfString(byte[] b, int open) {
    for (int i = open + 1; i < b.length; i++) {
      if (b[i] == '\\') {
        i++;
      } else if (b[i] == '"') {
        return i;
      }
    }
    return b.length - 1;
  }

  private static int lastNonBlankBefore(byte[] b, int at) {
    int i = at - 1;
    while (i >= 0 && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
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
    int p = skipBlank(b, 0);
    return p < b.length && b[p] == '{' && matchesAt(b, skipBlank(b, p + 1), ERROR_KEY);
  }



}
