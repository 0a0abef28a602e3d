package dev.switchboard.provider.openai;

import dev.switchboard.provider.Usage;
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

  private UsageScanner() {
  }

  static Usage find(Buffer body) {
    // One bulk copy, then plain array reads: far cheaper than a bounds-checked getByte per position.
    return find(body.getBytes());
  }

  static Usage find(byte[] b) {
    int len = b.length;
    for (int i = len - KEY.length; i >= 0; i--) {
      if (b[i] != '"' || !matchesKey(b, i)) {
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

  private static boolean matchesKey(byte[] b, int at) {
    for (int k = 1; k < KEY.length; k++) {
      if (b[at + k] != KEY[k]) {
        return false;
      }
    }
    return true;
  }

  private static int skipBlank(byte[] b, int p) {
    while (p < b.length) {
      byte c = b[p];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      p++;
    }
    return p;
  }

  static int skipBlank(Buffer b, int p) {
    while (p < b.length()) {
      byte c = b.getByte(p);
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
    byte first = needle[0];
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      if (bytes[i] != first) {
        continue;
      }
      for (int k = 1; k < needle.length; k++) {
        if (bytes[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
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

  /** Whether the object's first key is "error". */
  static boolean startsWithErrorKey(byte[] b) {
    int p = skipBlank(b, 0);
    if (p >= b.length || b[p] != '{') {
      return false;
    }
    p = skipBlank(b, p + 1);
    byte[] error = {'"', 'e', 'r', 'r', 'o', 'r', '"'};
    if (p + error.length > b.length) {
      return false;
    }
    for (int k = 0; k < error.length; k++) {
      if (b[p + k] != error[k]) {
        return false;
      }
    }
    return true;
  }

  /** Last byte that is not whitespace, or -1. */
  static int lastNonBlank(Buffer b) {
    for (int i = b.length() - 1; i >= 0; i--) {
      byte c = b.getByte(i);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
    }
    return -1;
  }

  /** Whether the object's first key is "error": a 2xx reply that is really an error (some proxies do this). */
  static boolean startsWithErrorKey(Buffer b) {
    int p = skipBlank(b, 0);
    if (p >= b.length() || b.getByte(p) != '{') {
      return false;
    }
    p = skipBlank(b, p + 1);
    byte[] error = {'"', 'e', 'r', 'r', 'o', 'r', '"'};
    if (p + error.length > b.length()) {
      return false;
    }
    for (int k = 0; k < error.length; k++) {
      if (b.getByte(p + k) != error[k]) {
        return false;
      }
    }
    return true;
  }
}
