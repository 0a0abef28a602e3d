package dev.switchboard.server.responses;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;

import java.time.Duration;

/**
 * Stored responses in this process, bounded three ways: entries, bytes (the encoded JSON size) and time since the
 * write. Caffeine bounds by one weight only, so an entry weighs at least {@code maxBytes / maxEntries}: the count
 * can then never pass {@code maxEntries} and the bytes never pass {@code maxBytes}. Thread-safe (Caffeine); upkeep
 * runs on the calling thread.
 */
public final class MemoryResponseStore implements ResponseStore {
  private final Cache<String, Weighed> cache;

  /**
   * @param ttl how long a response is kept after it was stored
   * @param ticker the clock of expiry (tests pass a fake one)
   */
  public MemoryResponseStore(long maxEntries, long maxBytes, Duration ttl, Ticker ticker) {
    if (maxEntries < 1 || maxBytes < 1 || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("maxEntries, maxBytes and ttl must be positive");
    }
    long floor = Math.max(1, maxBytes / maxEntries);
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String id, Weighed w) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floor, w.bytes)))
        .expireAfterWrite(ttl)
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
  }

  @Override
  public Future<Void> put(String id, StoredResponse stored) {
    cache.put(id, new Weighed(stored, stored.toJson().toBuffer().length()));
    return Future.succeededFuture();
  }

  @Override
  public Future<StoredResponse> get(String id) {
    Weighed w = cache.getIfPresent(id);
    return Future.succeededFuture(w == null ? null : w.stored);
  }

  @Override
  public Future<Boolean> delete(String id) {
    return Future.succeededFuture(cache.asMap().remove(id) != null);
  }

  /** Entries held now (after pending upkeep), for tests and admin. */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private record Weighed(StoredResponse stored, long bytes) {
  }
}
