package dev.switchboard.config;

import java.time.Duration;

/**
 * Where the Responses front end keeps finished responses for {@code previous_response_id} and
 * {@code GET /v1/responses/{id}}.
 *
 * @param store {@code memory} (this instance only) or {@code redis} (every instance sharing the Redis)
 * @param ttl how long a response is kept after it finished
 * @param maxEntries most responses the memory store holds
 * @param maxBytes most bytes (encoded JSON) the memory store holds
 * @param maxEntryBytes a larger response is not kept (in either store)
 * @param redis the shared store's Redis (same settings as the cache's)
 */
public record ResponsesConfig(Store store, Duration ttl, long maxEntries, long maxBytes, long maxEntryBytes,
                              CacheConfig.Redis redis) {
  public enum Store { MEMORY, REDIS }

  public static final String REDIS_KEY_PREFIX = "switchboard:response:";
  public static final ResponsesConfig DEFAULT = new ResponsesConfig(Store.MEMORY, Duration.ofHours(24), 10_000,
      64L * 1024 * 1024, 4L * 1024 * 1024, withPrefix(CacheConfig.REDIS_DEFAULT, REDIS_KEY_PREFIX));

  static CacheConfig.Redis withPrefix(CacheConfig.Redis r, String prefix) {
    return new CacheConfig.Redis(r.url(), r.user(), r.password(), prefix, r.timeout(), r.retryInterval(),
        r.maxConnections());
  }
}
