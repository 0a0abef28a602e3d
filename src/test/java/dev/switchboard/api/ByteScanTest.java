package dev.switchboard.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The eight-at-a-time searches against plain loops, on random bytes drawn from a few values so matches abound. */
class ByteScanTest {
  private static final byte[] ALPHABET = "\"error\r\n:e".getBytes(StandardCharsets.UTF_8);

  @Test
  void lineBreakFindsTheFirstCrOrLfLikeALoop() {
    Random random = new Random(3);
    for (int n = 0; n < 20_000; n++) {
      byte[] a = randomBytes(random, random.nextInt(40), n % 3 == 0 ? 30 : 2);
      int from = random.nextInt(a.length + 1);
      int to = from + random.nextInt(a.length - from + 1);
      int expected = -1;
      for (int i = from; i < to; i++) {
        if (a[i] == '\n' || a[i] == '\r') {
          expected = i;
          break;
        }
      }
      assertThat(ByteScan.lineBreak(a, from, to)).isEqualTo(expected);
    }
  }

  @Test
  void indexOfAndLastIndexOfFindWhatALoopFinds() {
    Random random = new Random(5);
    byte[][] needles = {"\"error\"".getBytes(StandardCharsets.UTF_8), "\"e".getBytes(StandardCharsets.UTF_8),
        "rr".getBytes(StandardCharsets.UTF_8), "\"usage\"".getBytes(StandardCharsets.UTF_8)};
    for (int n = 0; n < 40_000; n++) {
      byte[] needle = needles[n % needles.length];
      byte[] a = randomBytes(random, random.nextInt(48), 0);
      if (random.nextBoolean() && a.length >= needle.length) {
        System.arraycopy(needle, 0, a, random.nextInt(a.length - needle.length + 1), needle.length);
      }
      int from = random.nextInt(a.length + 1);
      int to = from + random.nextInt(a.length - from + 1);
      int first = -1;
      int last = -1;
      for (int i = from; i + needle.length <= to; i++) {
        if (java.util.Arrays.equals(a, i, i + needle.length, needle, 0, needle.length)) {
          first = first < 0 ? i : first;
          last = i;
        }
      }
      assertThat(ByteScan.indexOf(a, from, to, needle)).isEqualTo(first);
      assertThat(ByteScan.lastIndexOf(a, from, to, needle)).isEqualTo(last);
    }
  }

  @Test
  void stringRunStopsWhereALoopWould() {
    Random random = new Random(11);
    byte[] alphabet = {'a', 'Z', ' ', '~', 0x7f, '"', '\\', 0x1f, 0x00, '\n', (byte) 0x80, (byte) 0xc3, (byte) 0xff,
        0x20, 0x5b, 0x5d};
    for (int n = 0; n < 20_000; n++) {
      byte[] a = new byte[random.nextInt(40)];
      for (int i = 0; i < a.length; i++) {
        a[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + random.nextInt(26));
      }
      int from = random.nextInt(a.length + 1);
      int to = from + random.nextInt(a.length - from + 1);
      int expected = to;
      for (int i = from; i < to; i++) {
        if (a[i] == '"' || a[i] == '\\' || (a[i] & 0xff) < 0x20 || (a[i] & 0xff) >= 0x80) {
          expected = i;
          break;
        }
      }
      assertThat(ByteScan.stringRun(a, from, to)).isEqualTo(expected);
    }
  }

  private static byte[] randomBytes(Random random, int length, int breakOneIn) {
    byte[] a = new byte[length];
    for (int i = 0; i < length; i++) {
      a[i] = ALPHABET[random.nextInt(ALPHABET.length)];
      if (breakOneIn > 2 && (a[i] == '\n' || a[i] == '\r') && random.nextInt(breakOneIn) != 0) {
        a[i] = 'x';
      }
    }
    return a;
  }
}
