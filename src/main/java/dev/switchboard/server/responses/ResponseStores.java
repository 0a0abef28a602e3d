package dev.switchboard.server.responses;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.ResponsesConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** Builds the configured {@link ResponseStore}: this instance's memory, or a Redis every instance shares. */
public final class ResponseStores {
  private ResponseStores() {
  }

  public static ResponseStore of(Vertx vertx, ResponsesConfig config) {
    if (config.store() == ResponsesConfig.Store.MEMORY) {
      return new MemoryResponseStore(config.maxEntries(), config.maxBytes(), config.ttl(), Ticker.systemTicker());
    }
    CacheConfig.Redis r = config.redis();
    int timeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1, r.timeout().toMillis()));
    RedisOptions options = new RedisOptions()
        .setConnectionString(r.url())
        .setMaxPoolSize(r.maxConnections())
        .setMaxPoolWaiting(r.maxConnections() * 64)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(Math.max(timeout, 1_000)).setTcpNoDelay(true));
    if (r.user() != null) {
      options.setUser(r.user());
    }
    if (r.password().isPresent()) {
      options.setPassword(r.password().reveal());
    }
    return new RedisResponseStore(Redis.createClient(vertx, options), r.keyPrefix(), config.ttl(),
        config.maxEntryBytes(), r.timeout());
  }
}
