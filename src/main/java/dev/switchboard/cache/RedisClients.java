package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * A pooled Redis client from a {@code redis:} settings block (the cache's tier, the shared response store): pool and
 * waiter bounds from {@code max_connections}, a connect timeout of at least a second, the ACL user and password.
 */
public final class RedisClients {
  private RedisClients() {
  }

  public static Redis create(Vertx vertx, CacheConfig.Redis config) {
    int timeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.timeout().toMillis()));
    RedisOptions options = new RedisOptions()
        .setConnectionString(config.url())
        .setMaxPoolSize(config.maxConnections())
        .setMaxPoolWaiting(config.maxConnections() * 64)
        .setMaxWaitingHandlers(4096)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(Math.max(timeout, 1_000)).setTcpNoDelay(true));
    if (config.user() != null) {
      options.setUser(config.user());
    }
    if (config.password().isPresent()) {
      options.setPassword(config.password().reveal());
    }
    return Redis.createClient(vertx, options);
  }
}
