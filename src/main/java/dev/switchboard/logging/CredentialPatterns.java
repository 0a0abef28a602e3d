package dev.switchboard.logging;

import java.util.regex.Pattern;

/**
 * Text that looks like a credential whatever configured it: provider-style API keys ({@code sk-…}, {@code sk-ant-…},
 * {@code gsk_…}, Google's {@code AIza…}) and bearer tokens. The second net behind {@code Secrets}, which removes the
 * configured secrets by value; narrower than the upstream-error scrubber so prompts and request ids survive.
 */
final class CredentialPatterns {
  static final String REDACTED = "[redacted]";
  static final Pattern LOOKS_LIKE_KEY = Pattern.compile(
      "\\b(?:sk|pk|rk|gsk|xai)[-_][A-Za-z0-9_\\-*]{8,}|\\bAIza[0-9A-Za-z_\\-]{20,}"
          + "|(?i:bearer)\\s+[A-Za-z0-9._~+/=\\-*]{8,}");

  private CredentialPatterns() {
  }

  static String scrub(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    return mayHoldOne(text) ? LOOKS_LIKE_KEY.matcher(text).replaceAll(REDACTED) : text;
  }

  /**
   * A filter that lets the regex run only on lines that could match it (every line is scrubbed, and the regex over an
   * access-log line cost more than building the line): a key prefix ({@code sk}, {@code pk}, {@code rk}, {@code gsk},
   * {@code xai}) right before a {@code -} or {@code _}, Google's {@code AIza}, {@code bearer} in any case. It jumps
   * between the few candidate characters with {@code String.indexOf} (vectorised by the JIT) instead of testing every
   * character: an access-log line has a dozen of them in ~400. The whole prefix is checked, not only its last letter:
   * model names such as {@code gpt-4o-mini-2024-07-18} or {@code gemini-2.0-flash} ({@code i-}) sent every access
   * line of theirs through the regex.
   */
  static boolean mayHoldOne(String text) {
    return keyPrefix(text, '-') || keyPrefix(text, '_') || text.contains("AIza") || bearer(text, 'b')
        || bearer(text, 'B');
  }

  /** {@code sk}, {@code pk}, {@code rk} (and so {@code gsk}) or {@code xai} right before a {@code sep}. */
  private static boolean keyPrefix(String text, char sep) {
    for (int i = text.indexOf(sep, 2); i > 0; i = text.indexOf(sep, i + 1)) {
      char last = text.charAt(i - 1);
      char first = text.charAt(i - 2);
      if (last == 'k' && (first == 's' || first == 'p' || first == 'r')
          || last == 'i' && first == 'a' && i >= 3 && text.charAt(i - 3) == 'x') {
        return true;
      }
    }
    return false;
  }

  /** {@code b} (or {@code B}), then {@code e} or {@code E}, then {@code arer} in any case. */
  private static boolean bearer(String text, char b) {
    for (int i = text.indexOf(b); i >= 0 && i + 1 < text.length(); i = text.indexOf(b, i + 1)) {
      char e = text.charAt(i + 1);
      if ((e == 'e' || e == 'E') && text.regionMatches(true, i + 2, "arer", 0, 4)) {
        return true;
      }
    }
    return false;
  }
}
