package dev.switchboard.server.responses;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.cache.RedisClients;
import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.ResponsesConfig;
import io.vertx.core.Vertx;

/** Builds the configured {@link ResponseStore}: this instance's memory, or a Redis every instance shares. */
public final class ResponseStores {
  private ResponseStores() {
  }

  public static ResponseStore of(Vertx vertx, ResponsesConfig config) {
    if (config.store() == ResponsesConfig.Store.MEMORY) {
      return new MemoryResponseStore(config.maxEntries(), config.maxBytes(), config.ttl(), Ticker.systemTicker());
    }
    CacheConfig.Redis r = config.redis();
    return new RedisResponseStore(RedisClients.create(vertx, r), r.keyPrefix(), config.ttl(),
        config.maxEntryBytes(), r.timeout());
  }
}
