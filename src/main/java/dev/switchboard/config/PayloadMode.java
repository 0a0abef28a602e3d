package dev.switchboard.config;

import java.util.Locale;

/**
 * Which requests get their bodies logged: none, the failed ones, one in {@code every}, or all.
 *
 * @param every for {@link Kind#SAMPLED}, log one request in this many; 1 otherwise
 */
public record PayloadMode(Kind kind, int every) {
  public enum Kind { OFF, ERRORS, SAMPLED, ALL }

  public static final PayloadMode OFF = new PayloadMode(Kind.OFF, 1);
  public static final PayloadMode ERRORS = new PayloadMode(Kind.ERRORS, 1);
  public static final PayloadMode ALL = new PayloadMode(Kind.ALL, 1);
  public static final String FORMS = "off, errors, sampled:N (N from 1 to 1000000) or all";

  /** The mode {@code text} names, or null when it names none of {@value #FORMS}. */
  public static PayloadMode parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "off", "false" -> {
        return OFF;
      }
      case "errors" -> {
        return ERRORS;
      }
      case "all", "true" -> {
        return ALL;
      }
      default -> {
        if (!t.startsWith("sampled:")) {
          return null;
        }
        try {
          int n = Integer.parseInt(t.substring("sampled:".length()).trim());
          return n < 1 || n > 1_000_000 ? null : new PayloadMode(Kind.SAMPLED, n);
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
  }

  @Override
  public String toString() {
    return kind == Kind.SAMPLED ? "sampled:" + every : kind.name().toLowerCase(Locale.ROOT);
  }
}
