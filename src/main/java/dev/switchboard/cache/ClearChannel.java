package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.UUID;
import java.util.logging.Logger;

/**
 * Carries {@code POST /admin/cache/clear} to every instance sharing the Redis tier: the instance that cleared
 * publishes on {@code key_prefix + "clear"} once Redis's keys are gone, and the others empty their memory tier when
 * they hear it, so none keeps serving a cleared answer from memory. The subscription has a connection of its own and
 * reconnects after a lost one; a clear announced while it was away is missed (those entries live out their TTL).
 */
final class ClearChannel {
  private static final Logger LOG = Logger.getLogger(ClearChannel.class.getName());
  private static final long RECONNECT_MILLIS = 1_000;

  private final Vertx vertx;
  private final Redis subscriber;
  private final String channel;
  private final String instance = UUID.randomUUID().toString();
  private volatile Runnable cleared = () -> { };
  private volatile RedisConnection subscription;
  private volatile boolean closed;
  private volatile boolean warned;

  ClearChannel(Vertx vertx, CacheConfig.Redis config) {
    this.vertx = vertx;
    this.subscriber = RedisClients.create(vertx, config);
    this.channel = config.keyPrefix() + "clear";
  }

  /** The announcement of this instance's clear, for {@link RedisTier#clear}. */
  Request announcement() {
    return Request.cmd(Command.PUBLISH).arg(channel).arg(instance);
  }

  /** Calls {@code cleared} when another instance cleared the cache. */
  void listen(Runnable cleared) {
    this.cleared = cleared;
    subscribe();
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    subscriber.connect().onSuccess(conn -> {
      subscription = conn;
      warned = false;
      conn.handler(this::message);
      conn.exceptionHandler(err -> LOG.fine("cache clear subscription: " + err));
      conn.endHandler(v -> retry("lost"));
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel));
    }).onFailure(err -> retry("failed (" + err.getMessage() + ")"));
  }

  private void retry(String what) {
    if (closed) {
      return;
    }
    if (!warned) {
      LOG.warning("cache: subscription to other instances' clears " + what + "; retrying every second");
      warned = true;
    }
    vertx.setTimer(RECONNECT_MILLIS, id -> subscribe());
  }

  private void message(Response r) {
    // RESP2 pushes ["message", channel, payload]; our own clear is done already.
    if (r.size() == 3 && "message".equals(r.get(0).toString()) && channel.equals(r.get(1).toString())
        && !instance.equals(r.get(2).toString())) {
      cleared.run();
    }
  }

  Future<Void> close() {
    closed = true;
    RedisConnection s = subscription;
    if (s != null) {
      s.close();
    }
    subscriber.close();
    return Future.succeededFuture();
  }
}
