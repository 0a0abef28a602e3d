package dev.switchboard.ratelimit;

/** The scan as it was before its character table: the oracle of {@code PromptSizeTest}, count for count. */
final class PromptSizeBefore {
  /** Letters a word may have and still usually be one token; each further {@value} letters costs one more. */
  private static final int WORD_LETTERS = 9;

  private PromptSizeBefore() {
  }

  /** The estimated o200k token count of {@code s}. */
  public static long tokens(CharSequence s) {
    int n = s.length();
    long tokens = 0;
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (isLetter(c)) {
        // A word; camelCase humps are pieces of their own, as the pre-tokenizer splits them.
        int start = i;
        char prev = c;
        i++;
        while (i < n && isLetter(s.charAt(i))) {
          char l = s.charAt(i);
          if (l >= 'A' && l <= 'Z' && prev >= 'a' && prev <= 'z') {
            tokens += 1 + (i - start - 1) / WORD_LETTERS;
            start = i;
          }
          prev = l;
          i++;
        }
        tokens += 1 + (i - start - 1) / WORD_LETTERS;
      } else if (c >= '0' && c <= '9') {
        int start = i;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
        tokens += (i - start + 2) / 3;
      } else if (c == ' ') {
        // A single space belongs to the word or punctuation after it, not to digits; a run of spaces
        // (indentation) is a token of its own.
        int start = i;
        while (i < n && s.charAt(i) == ' ') {
          i++;
        }
        if (i - start > 1 || i == n || s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          tokens++;
        }
      } else if (c == '\n' || c == '\r' || c == '\t') {
        while (i < n && (s.charAt(i) == '\n' || s.charAt(i) == '\r' || s.charAt(i) == '\t')) {
          i++;
        }
        tokens++;
      } else if (c < 0x80) {
        // Punctuation: one pre-tokenizer piece per run (line breaks right after it included), which common runs
        // ('();', '",', '{"') fill with one token; a lone mark before a word ('.config', '(p') joins the word.
        int start = i;
        while (i < n && isPunct(s.charAt(i))) {
          i++;
        }
        if (i == start) {
          // A control character other than a line break or tab: a token of its own.
          i++;
          tokens++;
          continue;
        }
        if (i - start == 1 && i < n && isLetter(s.charAt(i))) {
          continue;
        }
        tokens += (i - start + 2) / 3;
        while (i < n && (s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
          i++;
        }
      } else {
        // Other scripts (CJK, symbols, emoji): about three tokens for four characters.
        int start = i;
        while (i < n && s.charAt(i) >= 0x80 && !isLetter(s.charAt(i))) {
          i++;
        }
        tokens += ((i - start) * 3 + 3) / 4;
      }
    }
    return tokens;
  }

  private static boolean isLetter(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0xC0 && c < 0x250 && c != 0xD7 && c != 0xF7;
  }

  private static boolean isPunct(char c) {
    return c < 0x80 && c > ' ' && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9');
  }
}
