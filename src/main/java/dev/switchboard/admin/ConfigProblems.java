package dev.switchboard.admin;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.ConfigException;

/** An admin write the config validation refused, as a 400 naming every bad field; the first one is the {@code param}. */
final class ConfigProblems {
  private ConfigProblems() {
  }

  static ApiError error(ConfigException e) {
    return error(e.problems(), "");
  }

  /**
   * @param problems each "path: what is wrong"; the {@code param} is the first unknown field's path (a misspelt
   *                 field also makes the real one look missing), else the first problem's
   */
  static ApiError error(java.util.List<String> problems, String prefix) {
    String first = problems.stream().filter(p -> p.contains(": unknown field")).findFirst()
        .orElse(problems.isEmpty() ? null : problems.get(0));
    int colon = first == null ? -1 : first.indexOf(": ");
    String param = colon > 0 ? first.substring(0, colon) : null;
    String code = first != null && first.contains(": unknown field") ? "unknown_field" : "invalid_value";
    return ApiError.invalid(prefix + String.join("; ", problems), param, code);
  }
}
