package dev.switchboard.provider.openai;

import dev.switchboard.api.ByteScan;

/**
 * A strict reader of JSON over a byte range, for the few questions the OpenAI adapter asks of every chunk without
 * building a tree. It accepts a subset of what Vert.x's Jackson accepts (RFC 8259 JSON, valid UTF-8, bounded
 * nesting and lengths, no comments), so whenever it calls a document well-formed Jackson would too; anything it
 * refuses ({@link #FAIL}) the caller hands to Jackson, which then has the last word. Stateless and thread-safe.
 */
final class JsonScan {
  /** The value could not be read: malformed, or beyond what this reader promises to judge like Jackson. */
  static final int FAIL = -1;
  /** Far below Jackson's limits (nesting 1000, number 1000 chars, name 50000 bytes): past these, Jackson decides. */
  private static final int MAX_DEPTH = 200;
  private static final int MAX_NUMBER_CHARS = 100;

  private JsonScan() {
  }

  static int skipBlank(byte[] b, int p, int end) {
    while (p < end) {
      byte c = b[p];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      p++;
    }
    return p;
  }

  /** The index just past the value starting at {@code p} (no leading blanks), or {@link #FAIL}. */
  static int skipValue(byte[] b, int p, int end) {
    return skipValue(b, p, end, 0);
  }

  private static int skipValue(byte[] b, int p, int end, int depth) {
    if (p >= end) {
      return FAIL;
    }
    switch (b[p]) {
      case '"':
        return skipString(b, p, end);
      case '{':
        return skipObject(b, p, end, depth + 1);
      case '[':
        return skipArray(b, p, end, depth + 1);
      case 't':
        return literal(b, p, end, TRUE);
      case 'f':
        return literal(b, p, end, FALSE);
      case 'n':
        return literal(b, p, end, NULL);
      default:
        return skipNumber(b, p, end);
    }
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private static int literal(byte[] b, int p, int end, byte[] word) {
    if (p + word.length > end) {
      return FAIL;
    }
    for (int k = 0; k < word.length; k++) {
      if (b[p + k] != word[k]) {
        return FAIL;
      }
    }
    int after = p + word.length;
    // Jackson refuses "truex"; this reader refuses anything but a separator after a literal.
    return after == end || isSeparator(b[after]) ? after : FAIL;
  }

  private static boolean isSeparator(byte c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private static int skipObject(byte[] b, int p, int end, int depth) {
    if (depth > MAX_DEPTH) {
      return FAIL;
    }
    p = skipBlank(b, p + 1, end);
    if (p < end && b[p] == '}') {
      return p + 1;
    }
    while (true) {
      if (p >= end || b[p] != '"') {
        return FAIL;
      }
      p = skipString(b, p, end);
      if (p < 0) {
        return FAIL;
      }
      p = skipBlank(b, p, end);
      if (p >= end || b[p] != ':') {
        return FAIL;
      }
      p = skipValue(b, skipBlank(b, p + 1, end), end, depth);
      if (p < 0) {
        return FAIL;
      }
      p = skipBlank(b, p, end);
      if (p >= end) {
        return FAIL;
      }
      if (b[p] == '}') {
        return p + 1;
      }
      if (b[p] != ',') {
        return FAIL;
      }
      p = skipBlank(b, p + 1, end);
    }
  }

  private static int skipArray(byte[] b, int p, int end, int depth) {
    if (depth > MAX_DEPTH) {
      return FAIL;
    }
    p = skipBlank(b, p + 1, end);
    if (p < end && b[p] == ']') {
      return p + 1;
    }
    while (true) {
      p = skipValue(b, p, end, depth);
      if (p < 0) {
        return FAIL;
      }
      p = skipBlank(b, p, end);
      if (p >= end) {
        return FAIL;
      }
      if (b[p] == ']') {
        return p + 1;
      }
      if (b[p] != ',') {
        return FAIL;
      }
      p = skipBlank(b, p + 1, end);
    }
  }

  /**
   * The index just past the string whose opening quote is at {@code p}, or {@link #FAIL}: unescaped control
   * characters, unknown escapes and bytes that are not well-formed UTF-8 (overlong forms, surrogates) all fail.
   */
  static int skipString(byte[] b, int p, int end) {
    int i = p + 1;
    while (i < end) {
      i = ByteScan.stringRun(b, i, end);
      if (i >= end) {
        return FAIL;
      }
      int c = b[i];
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\') {
        if (i + 1 >= end) {
          return FAIL;
        }
        byte e = b[i + 1];
        if (e == 'u') {
          if (i + 6 > end) {
            return FAIL;
          }
          for (int k = i + 2; k < i + 6; k++) {
            if (Character.digit(b[k], 16) < 0) {
              return FAIL;
            }
          }
          i += 6;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          i += 2;
        } else {
          return FAIL;
        }
      } else if (c >= 0x20) {
        i++;
      } else if (c < 0) {
        i = utf8(b, i, end);
        if (i < 0) {
          return FAIL;
        }
      } else {
        return FAIL;
      }
    }
    return FAIL;
  }

  /** The index past the well-formed UTF-8 sequence starting at {@code i} (a byte of 0x80 or above), or FAIL. */
  private static int utf8(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    int n;
    int min;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else {
      return FAIL;
    }
    if (i + n >= end) {
      return FAIL;
    }
    int cp = c & (0x3f >> n);
    for (int k = 1; k <= n; k++) {
      int d = b[i + k] & 0xff;
      if ((d & 0xc0) != 0x80) {
        return FAIL;
      }
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return FAIL;
    }
    return i + n + 1;
  }

  /** The index just past the number at {@code p}: {@code -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?}, or FAIL. */
  static int skipNumber(byte[] b, int p, int end) {
    int i = p;
    if (i < end && b[i] == '-') {
      i++;
    }
    if (i >= end) {
      return FAIL;
    }
    if (b[i] == '0') {
      i++;
    } else if (b[i] >= '1' && b[i] <= '9') {
      i = digits(b, i, end);
    } else {
      return FAIL;
    }
    if (i < end && b[i] == '.') {
      int after = digits(b, i + 1, end);
      if (after == i + 1) {
        return FAIL;
      }
      i = after;
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int after = digits(b, i, end);
      if (after == i) {
        return FAIL;
      }
      i = after;
    }
    if (i - p > MAX_NUMBER_CHARS || (i < end && !isSeparator(b[i]))) {
      return FAIL;
    }
    return i;
  }

  private static int digits(byte[] b, int i, int end) {
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i;
  }

  /**
   * The value of the integer literal spanning {@code [p, to)} when it is a plain integer of at most 18 digits (which
   * Jackson reads as exactly that long), else {@link Long#MIN_VALUE}: a fraction, an exponent or a huge number is
   * left to Jackson's own rounding.
   */
  static long plainLong(byte[] b, int p, int to) {
    int i = p;
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
    }
    if (to - i > 18 || to == i) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < to; i++) {
      byte c = b[i];
      if (c < '0' || c > '9') {
        return Long.MIN_VALUE;
      }
      v = v * 10 + (c - '0');
    }
    return negative ? -v : v;
  }

  /** Whether the key whose string spans {@code [p, to)} (quotes included) is exactly {@code name} (no escapes). */
  static boolean keyIs(byte[] b, int p, int to, byte[] name) {
    if (to - p != name.length + 2) {
      return false;
    }
    for (int k = 0; k < name.length; k++) {
      if (b[p + 1 + k] != name[k]) {
        return false;
      }
    }
    return true;
  }

  /** Whether the string spanning {@code [p, to)} holds an escape (so its bytes are not its text). */
  static boolean escaped(byte[] b, int p, int to) {
    for (int i = p + 1; i < to - 1; i++) {
      if (b[i] == '\\') {
        return true;
      }
    }
    return false;
  }

  /** Whether the two strings spanning {@code [p1, to1)} and {@code [p2, to2)} have the same bytes. */
  static boolean sameBytes(byte[] b, int p1, int to1, int p2, int to2) {
    if (to1 - p1 != to2 - p2) {
      return false;
    }
    for (int k = 0; k < to1 - p1; k++) {
      if (b[p1 + k] != b[p2 + k]) {
        return false;
      }
    }
    return true;
  }
}
