package dev.switchboard.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The response cache.
 *
 * @param mode which requests are cached: {@code off}, {@code deterministic} (temperature 0, a seed, embeddings) or
 *     {@code all}
 * @param backend {@code memory} (this instance only) or {@code redis} (memory first, then Redis shared by every
 *     instance)
 * @param maxBytes bound of the in-memory tier, in bytes of cached replies (not entries)
 * @param maxEntryBytes replies larger than this are not cached
 * @param ttl how long an entry lives unless the request says otherwise ({@code x-switchboard-cache-ttl})
 * @param maxTtl the longest TTL a request may ask for
 * @param shared true: one namespace for every client key; false (default): each key has its own
 * @param cacheTruncated also cache replies that stopped at the length limit ({@code finish_reason: length})
 * @param coalesce identical cacheable requests arriving while the first is in flight wait for its answer
 * @param coalesceWait how long such a request waits before going upstream itself
 * @param replayInterval pause between the events of a replayed stream (0: all at once)
 * @param redis the shared tier's connection, used with {@code backend: redis}
 * @param stale serving expired entries when every provider failed
 */
public record CacheConfig(Mode mode, Backend backend, long maxBytes, long maxEntryBytes, Duration ttl, Duration maxTtl,
                          boolean shared, boolean cacheTruncated, boolean coalesce, Duration coalesceWait,
                          Duration replayInterval, Redis redis, Stale stale) {
  /**
   * Stale answers when all else fails.
   *
   * @param onError when every candidate failed (a 5xx would go out), serve an expired entry for the same request
   * @param maxStale how long past its expiry an entry may still be served so; memory entries are kept that much
   *     longer
   */
  public record Stale(boolean onError, Duration maxStale) {
    public static final Stale OFF = new Stale(false, Duration.ofHours(1));

    /** How long an entry is kept past its expiry. */
    public long keepMillis() {
      return onError ? maxStale.toMillis() : 0;
    }
  }

  public CacheConfig(Mode mode, Backend backend, long maxBytes, long maxEntryBytes, Duration ttl, Duration maxTtl,
                     boolean shared, boolean cacheTruncated, boolean coalesce, Duration coalesceWait,
                     Duration replayInterval, Redis redis) {
    this(mode, backend, maxBytes, maxEntryBytes, ttl, maxTtl, shared, cacheTruncated, coalesce, coalesceWait,
        replayInterval, redis, Stale.OFF);
  }


  public static final Redis REDIS_DEFAULT = new Redis("redis://127.0.0.1:6379", null, Secret.of(""),
      "switchboard:cache:", Duration.ofMillis(250), Duration.ofSeconds(5), 8);
  public static final CacheConfig DEFAULT = new CacheConfig(Mode.DETERMINISTIC, Backend.MEMORY, 128L * 1024 * 1024,
      1024L * 1024, Duration.ofHours(1), Duration.ofHours(24), false, false, true, Duration.ofSeconds(30),
      Duration.ZERO, REDIS_DEFAULT);

  /** Which requests are cached. */
  public enum Mode {
    OFF, DETERMINISTIC, ALL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where cached replies live. */
  public enum Backend {
    MEMORY, REDIS;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The Redis tier.
   *
   * @param url {@code redis://[user:password@]host:port[/db]}, or {@code rediss://} for TLS; only host and port are
   *     ever logged or shown
   * @param user ACL user name, or null for the default user
   * @param password AUTH password, empty for none
   * @param keyPrefix prefix of every cache key in Redis
   * @param timeout longest wait for one Redis command on the request path; slower answers count as an outage
   * @param retryInterval while Redis is unreachable, how often it is pinged to notice it is back
   * @param maxConnections pooled connections to Redis
   */
  public record Redis(String url, String user, Secret password, String keyPrefix, Duration timeout,
                      Duration retryInterval, int maxConnections) {
  }

  public boolean enabled() {
    return mode != Mode.OFF;
  }

  public boolean redisEnabled() {
    return enabled() && backend == Backend.REDIS;
  }
}
