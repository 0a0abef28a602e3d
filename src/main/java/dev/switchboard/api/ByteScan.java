package dev.switchboard.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Searches in byte arrays eight bytes at a time (SWAR: one long read, a few arithmetic operations, no branch per
 * byte). The stream path looks at every byte of every event several times (line ends, the {@code "error"} key,
 * framing); a byte-by-byte loop there costs a mispredicted branch at every quote. Stateless and thread-safe.
 */
public final class ByteScan {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
  private static final long LF = 0x0A0A0A0A0A0A0A0AL;
  private static final long CR = 0x0D0D0D0D0D0D0D0DL;
  private static final long HIGH = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  /** Added to a byte's low seven bits, sets its high bit exactly when they are 0x20 or more (no carry out). */
  private static final long BELOW_SPACE = 0x6060606060606060L;

  private ByteScan() {
  }

  /** The high bit of every byte of {@code x} that is zero, and no other bit (exact: no borrow between bytes). */
  private static long zeroBytes(long x) {
    long t = (x & LOW7) + LOW7;
    return ~(t | x | LOW7);
  }

  private static long broadcast(byte b) {
    return (b & 0xFFL) * 0x0101010101010101L;
  }

  /**
   * Index of the first byte in {@code a[from, to)} that ends a run of plain JSON string text: a quote, a backslash,
   * a control character or a byte of a multi-byte UTF-8 sequence; {@code to} when there is none.
   */
  public static int stringRun(byte[] a, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONGS.get(a, i);
      long m = zeroBytes(w ^ QUOTES) | zeroBytes(w ^ BACKSLASHES) | ((~((w & LOW7) + BELOW_SPACE) | w) & HIGH);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3);
      }
    }
    for (; i < to; i++) {
      byte c = a[i];
      if (c == '"' || c == '\\' || c < 0x20) {
        return i;
      }
    }
    return to;
  }

  /** Index of the first CR or LF in {@code a[from, to)}, or -1. */
  public static int lineBreak(byte[] a, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONGS.get(a, i);
      long m = zeroBytes(w ^ LF) | zeroBytes(w ^ CR);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3);
      }
    }
    for (; i < to; i++) {
      byte c = a[i];
      if (c == '\n' || c == '\r') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Index of the first {@code needle} (two bytes or more) in {@code a[from, to)}, or -1. Candidates are the places
   * where the needle's last two bytes stand side by side, found eight at a time, then compared in full.
   */
  public static int indexOf(byte[] a, int from, int to, byte[] needle) {
    int n = needle.length;
    byte x = needle[n - 2];
    byte y = needle[n - 1];
    long px = broadcast(x);
    long py = broadcast(y);
    int i = from + n - 2;
    for (; i + 9 <= to; i += 8) {
      long m = zeroBytes((long) LONGS.get(a, i) ^ px) & zeroBytes((long) LONGS.get(a, i + 1) ^ py);
      while (m != 0) {
        int start = i + (Long.numberOfTrailingZeros(m) >>> 3) - (n - 2);
        if (matches(a, start, needle)) {
          return start;
        }
        m &= m - 1;
      }
    }
    for (; i + 1 < to; i++) {
      if (a[i] == x && a[i + 1] == y && matches(a, i - (n - 2), needle)) {
        return i - (n - 2);
      }
    }
    return -1;
  }

  /** Index of the last {@code needle} (two bytes or more) in {@code a[from, to)}, or -1; see {@link #indexOf}. */
  public static int lastIndexOf(byte[] a, int from, int to, byte[] needle) {
    int n = needle.length;
    byte x = needle[n - 2];
    byte y = needle[n - 1];
    long px = broadcast(x);
    long py = broadcast(y);
    int lowest = from + n - 2;   // the first place the needle's second-to-last byte can stand
    int i = to - 9;              // words at i and i + 1 cover pairs starting at i .. i + 7
    for (; i >= lowest; i -= 8) {
      long m = zeroBytes((long) LONGS.get(a, i) ^ px) & zeroBytes((long) LONGS.get(a, i + 1) ^ py);
      while (m != 0) {
        int bit = 63 - Long.numberOfLeadingZeros(m);
        int start = i + (bit >>> 3) - (n - 2);
        if (matches(a, start, needle)) {
          return start;
        }
        m &= ~(1L << bit);
      }
    }
    for (int k = Math.min(i + 7, to - 2); k >= lowest; k--) {
      if (a[k] == x && a[k + 1] == y && matches(a, k - (n - 2), needle)) {
        return k - (n - 2);
      }
    }
    return -1;
  }

  private static boolean matches(byte[] a, int at, byte[] needle) {
    for (int k = 0; k < needle.length; k++) {
      if (a[at + k] != needle[k]) {
        return false;
      }
    }
    return true;
  }
}
