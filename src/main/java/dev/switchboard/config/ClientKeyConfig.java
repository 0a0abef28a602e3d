package dev.switchboard.config;

/**
 * A key clients present as {@code Authorization: Bearer <key>}; the name is what logs and metrics show.
 *
 * @param limits this key's rate limits, or null for {@code ratelimit.default_key_limits}
 * @param priority its requests' place in a rate-limit queue (higher first)
 * @param maxPriority the highest {@code x-switchboard-priority} a request with this key may ask for
 */
public record ClientKeyConfig(String name, Secret key, Limits limits, int priority, int maxPriority) {
  public ClientKeyConfig(String name, Secret key) {
    this(name, key, null, 0, 0);
  }
}
