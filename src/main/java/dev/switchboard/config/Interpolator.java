package dev.switchboard.config;

import java.util.List;
import java.util.Map;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in config strings. {@code $${} escapes a literal {@code ${}.
 */
final class Interpolator {
  private final Map<String, String> env;

  Interpolator(Map<String, String> env) {
    this.env = env;
  }

  String interpolate(String path, String text, List<String> problems) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$' && text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
        continue;
      }
      if (c == '$' && text.startsWith("${", i)) {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          problems.add(path + ": unterminated '${' in \"" + text + "\"");
          return text;
        }
        String expr = text.substring(i + 2, end);
        int sep = expr.indexOf(":-");
        String name = sep >= 0 ? expr.substring(0, sep) : expr;
        String fallback = sep >= 0 ? expr.substring(sep + 2) : null;
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          problems.add(path + ": '" + name + "' is not a valid environment variable name");
          return text;
        }
        String value = env.get(name);
        if (value == null || (value.isEmpty() && fallback != null)) {
          if (fallback == null) {
            problems.add(path + ": environment variable " + name + " is not set (use ${" + name + ":-default} for an optional value)");
            return text;
          }
          value = fallback;
        }
        out.append(value);
        i = end + 1;
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }
}
