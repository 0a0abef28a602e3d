package dev.switchboard.logging;

import java.util.regex.Pattern;

/**
 * Text that looks like a credential whatever configured it: provider-style API keys ({@code sk-…}, {@code sk-ant-…},
 * {@code gsk_…}, Google's {@code AIza…}) and bearer tokens. The second net behind {@code Secrets}, which removes the
 * configured secrets by value; narrower than the upstream-error scrubber so prompts and request ids survive.
 */
final class CredentialPatterns {
  static final String REDACTED = "[redacted]";
  private static final Pattern LOOKS_LIKE_KEY = Pattern.compile(
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
   * A one-pass filter that lets the regex run only on lines that could match it (every line is scrubbed, and the
   * regex over an access-log line cost more than building the line): a key prefix ends in {@code k} or {@code i}
   * before its {@code -} or {@code _} ({@code sk-}, {@code gsk_}, {@code xai-}), Google's starts with {@code AIza},
   * a token follows {@code bearer} in any case.
   */
  static boolean mayHoldOne(String text) {
    for (int i = 1; i < text.length(); i++) {
      char c = text.charAt(i);
      char before = text.charAt(i - 1);
      if ((c == '-' || c == '_') && (before == 'k' || before == 'i')) {
        return true;
      }
      if (c == 'I' && before == 'A' && text.startsWith("za", i + 1)) {
        return true;
      }
      if ((c == 'e' || c == 'E') && (before == 'b' || before == 'B') && text.regionMatches(true, i + 1, "arer", 0, 4)) {
        return true;
      }
    }
    return false;
  }
}
