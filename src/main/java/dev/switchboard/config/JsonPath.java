package dev.switchboard.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small JSONPath subset redaction needs: {@code $} then {@code .name}, {@code ['name']}, {@code [*]} (every
 * element or member) and {@code [N]} (one element), e.g. {@code $.messages[*].content}.
 *
 * @param text the path as written
 * @param steps a member name, {@link #ANY}, or an Integer index
 */
public record JsonPath(String text, List<Object> steps) {
  public static final Object ANY = new Object() {
    @Override
    public String toString() {
      return "*";
    }
  };
  private static final Pattern STEP = Pattern.compile(
      "\\.([A-Za-z_][A-Za-z0-9_\\-]*)|\\.\\*|\\[\\*]|\\[(\\d{1,6})]|\\['([^']+)']");

  /** The path {@code text} names, or null when it is not in the supported subset. */
  public static JsonPath parse(String text) {
    String t = text == null ? "" : text.trim();
    if (!t.startsWith("$") || t.length() < 2) {
      return null;
    }
    List<Object> steps = new ArrayList<>();
    Matcher m = STEP.matcher(t);
    int at = 1;
    while (at < t.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      if (m.group(1) != null) {
        steps.add(m.group(1));
      } else if (m.group(2) != null) {
        steps.add(Integer.parseInt(m.group(2)));
      } else if (m.group(3) != null) {
        steps.add(m.group(3));
      } else {
        steps.add(ANY);
      }
      at = m.end();
    }
    return new JsonPath(t, List.copyOf(steps));
  }
}
