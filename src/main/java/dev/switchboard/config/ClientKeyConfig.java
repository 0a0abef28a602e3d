package dev.switchboard.config;

import java.util.List;

/**
 * A key clients present as {@code Authorization: Bearer <key>}; the name is what logs and metrics show.
 *
 * @param limits this key's rate limits, or null for {@code ratelimit.default_key_limits}
 * @param priority its requests' place in a rate-limit queue (higher first)
 * @param maxPriority the highest {@code x-switchboard-priority} a request with this key may ask for
 * @param models the models (aliases or names; '*' suffix for prefixes) this key may use; empty = all
 * @param budget this key's spend limits
 */
public record ClientKeyConfig(String name, Secret key, Limits limits, int priority, int maxPriority,
                              List<String> models, Budget budget) {
  public ClientKeyConfig {
    models = models == null ? List.of() : List.copyOf(models);
    budget = budget == null ? Budget.NONE : budget;
  }

  public ClientKeyConfig(String name, Secret key) {
    this(name, key, null, 0, 0, List.of(), Budget.NONE);
  }

  public ClientKeyConfig(String name, Secret key, Limits limits, int priority, int maxPriority) {
    this(name, key, limits, priority, maxPriority, List.of(), Budget.NONE);
  }

  /** Whether this key may use the model. */
  public boolean allows(String model) {
    if (models.isEmpty()) {
      return true;
    }
    for (String m : models) {
      if (m.endsWith("*") ? model.startsWith(m.substring(0, m.length() - 1)) : m.equals(model)) {
        return true;
      }
    }
    return false;
  }
}
