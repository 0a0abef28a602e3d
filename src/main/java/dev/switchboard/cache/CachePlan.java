package dev.switchboard.cache;

/**
 * What the cache does for one cacheable request.
 *
 * @param key the request's {@link CacheKey}
 * @param stream the request asked for a stream: only a stream entry may answer it
 * @param read look the key up (false for {@code Cache-Control: no-cache})
 * @param write record the reply and store it (false for {@code x-switchboard-cache-ttl: 0})
 * @param ttlMillis how long a stored reply lives
 */
public record CachePlan(String key, String endpoint, boolean stream, boolean read, boolean write, long ttlMillis) {
}
