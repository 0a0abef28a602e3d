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
    return LOOKS_LIKE_KEY.matcher(text).replaceAll(REDACTED);
  }
}
