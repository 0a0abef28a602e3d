package dev.switchboard.admin;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.ConfigException;

/** An admin write the config validation refused, as a 400 naming every bad field; the first one is the {@code param}. */
final class ConfigProblems {
  private ConfigProblems() {
  }

  static ApiError error(ConfigException e) {
    String first = e.problems().isEmpty() ? null : e.problems().get(0);
    int colon = first == null ? -1 : first.indexOf(": ");
    String param = colon > 0 ? first.substring(0, colon) : null;
    String code = first != null && first.contains("unknown field") ? "unknown_field" : "invalid_value";
    return ApiError.invalid(String.join("; ", e.problems()), param, code);
  }
}
