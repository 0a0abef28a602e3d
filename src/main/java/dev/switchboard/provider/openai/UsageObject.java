package dev.switchboard.provider.openai;

import dev.switchboard.api.Usage;

/**
 * An OpenAI {@code usage} object read from its bytes, with {@link Usage#fromOpenAi}'s meaning: the last of
 * duplicate keys wins, a field that is not a number counts as zero (an absent {@code total_tokens} as prompt plus
 * completion), cached tokens come from {@code prompt_tokens_details}. Returns null for anything it cannot read
 * exactly as Jackson would (malformed JSON, escaped keys, fractions, exponents, huge numbers); the caller then parses.
 */
final class UsageObject {
  private static final byte[] PROMPT = "prompt_tokens".getBytes();
  private static final byte[] COMPLETION = "completion_tokens".getBytes();
  private static final byte[] TOTAL = "total_tokens".getBytes();
  private static final byte[] PROMPT_DETAILS = "prompt_tokens_details".getBytes();
  private static final byte[] CACHED = "cached_tokens".getBytes();
  /** Not a number: the field counts as absent. */
  private static final long ABSENT = Long.MIN_VALUE + 1;
  private static final long UNREADABLE = Long.MIN_VALUE;

  private UsageObject() {
  }

  /** The usage object spanning exactly {@code [from, to)}, or null when Jackson must read it. */
  static Usage read(byte[] b, int from, int to) {
    if (JsonScan.skipValue(b, from, to) != to || b[from] != '{') {
      return null;
    }
    long prompt = 0;
    long completion = 0;
    long total = ABSENT;
    long cached = 0;
    int p = JsonScan.skipBlank(b, from + 1, to);
    while (b[p] != '}') {
      int key = p;
      int keyEnd = JsonScan.skipString(b, p, to);
      int value = JsonScan.skipBlank(b, JsonScan.skipBlank(b, keyEnd, to) + 1, to);
      int valueEnd = JsonScan.skipValue(b, value, to);
      if (JsonScan.escaped(b, key, keyEnd)) {
        return null;
      }
      if (JsonScan.keyIs(b, key, keyEnd, PROMPT)) {
        prompt = number(b, value, valueEnd);
        if (prompt == UNREADABLE) {
          return null;
        }
      } else if (JsonScan.keyIs(b, key, keyEnd, COMPLETION)) {
        completion = number(b, value, valueEnd);
        if (completion == UNREADABLE) {
          return null;
        }
      } else if (JsonScan.keyIs(b, key, keyEnd, TOTAL)) {
        total = number(b, value, valueEnd);
        if (total == UNREADABLE) {
          return null;
        }
      } else if (JsonScan.keyIs(b, key, keyEnd, PROMPT_DETAILS)) {
        cached = b[value] == '{' ? cached(b, value, valueEnd) : 0;
        if (cached == UNREADABLE) {
          return null;
        }
      }
      p = JsonScan.skipBlank(b, valueEnd, to);
      if (b[p] == ',') {
        p = JsonScan.skipBlank(b, p + 1, to);
      }
    }
    prompt = prompt == ABSENT ? 0 : prompt;
    completion = completion == ABSENT ? 0 : completion;
    return new Usage(prompt, completion, total == ABSENT ? prompt + completion : total, cached);
  }

  /** {@code cached_tokens} of a well-formed details object: 0 when absent or not a number, or UNREADABLE. */
  private static long cached(byte[] b, int from, int to) {
    long cached = 0;
    int p = JsonScan.skipBlank(b, from + 1, to);
    while (b[p] != '}') {
      int key = p;
      int keyEnd = JsonScan.skipString(b, p, to);
      int value = JsonScan.skipBlank(b, JsonScan.skipBlank(b, keyEnd, to) + 1, to);
      int valueEnd = JsonScan.skipValue(b, value, to);
      if (JsonScan.escaped(b, key, keyEnd)) {
        return UNREADABLE;
      }
      if (JsonScan.keyIs(b, key, keyEnd, CACHED)) {
        cached = number(b, value, valueEnd);
        if (cached == UNREADABLE) {
          return UNREADABLE;
        }
        cached = cached == ABSENT ? 0 : cached;
      }
      p = JsonScan.skipBlank(b, valueEnd, to);
      if (b[p] == ',') {
        p = JsonScan.skipBlank(b, p + 1, to);
      }
    }
    return cached;
  }

  /** A well-formed value: its long when a plain integer, ABSENT when not a number, UNREADABLE otherwise. */
  private static long number(byte[] b, int from, int to) {
    byte c = b[from];
    if (c != '-' && (c < '0' || c > '9')) {
      return ABSENT;
    }
    long v = JsonScan.plainLong(b, from, to);
    return v == Long.MIN_VALUE ? UNREADABLE : v;
  }
}
