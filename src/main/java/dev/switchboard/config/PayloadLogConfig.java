package dev.switchboard.config;

import java.util.List;
import java.util.Map;

/**
 * Opt-in body logging: which requests (a default mode, overridden per client key name and per model alias, the key
 * winning), what is blanked ({@code redact} JSON paths, besides credentials that are always removed), how much of each
 * body is kept, where the JSON lines go and how many may wait for the writer before new ones are dropped.
 */
public record PayloadLogConfig(PayloadMode mode, Map<String, PayloadMode> byKey, Map<String, PayloadMode> byModel,
                               List<JsonPath> redact, int maxBytes, LogFile file, int queue) {
  public static final int DEFAULT_MAX_BYTES = 64 * 1024;
  public static final LogFile DEFAULT_FILE = new LogFile("logs/payloads.jsonl", 100L << 20, 7, 1L << 30);
  public static final PayloadLogConfig OFF = new PayloadLogConfig(PayloadMode.OFF, Map.of(), Map.of(), List.of(),
      DEFAULT_MAX_BYTES, DEFAULT_FILE, 1024);

  /** Whether any request at all can be logged (else nothing is assembled). */
  public boolean enabled() {
    return mode.kind() != PayloadMode.Kind.OFF
        || byKey.values().stream().anyMatch(m -> m.kind() != PayloadMode.Kind.OFF)
        || byModel.values().stream().anyMatch(m -> m.kind() != PayloadMode.Kind.OFF);
  }

  /** The mode for a request by {@code keyName} (null when unauthenticated) for {@code model}. */
  public PayloadMode modeFor(String keyName, String model) {
    PayloadMode m = keyName == null ? null : byKey.get(keyName);
    if (m == null && model != null) {
      m = byModel.get(model);
    }
    return m == null ? mode : m;
  }
}
