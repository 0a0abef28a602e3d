package dev.switchboard.config;

import java.util.Map;

/**
 * @param accessLog one JSON line per request
 * @param level the root level: debug, info, warn or error
 * @param levels per-logger levels (logger name → debug|info|warn|error|off), over the root level
 * @param format {@code text} (one readable line) or {@code json} (one JSON object per line, MDC keys as fields)
 * @param file where logs go, rotated; null for stdout
 * @param payloads opt-in request/response body logging
 */
public record LoggingConfig(boolean accessLog, String level, Map<String, String> levels, String format, LogFile file,
                            PayloadLogConfig payloads) {
  public static final String TEXT = "text";
  public static final String JSON = "json";

  /** The level and access-log switch alone, everything else at its default (tests and the built-in fallback). */
  public static LoggingConfig of(boolean accessLog, String level) {
    return new LoggingConfig(accessLog, level, Map.of(), TEXT, null, PayloadLogConfig.OFF);
  }

  public boolean json() {
    return JSON.equals(format);
  }
}
