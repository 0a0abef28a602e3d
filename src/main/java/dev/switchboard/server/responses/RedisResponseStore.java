package dev.switchboard.server.responses;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stored responses shared by every instance on one Redis: each under {@code prefix + id} as its JSON, with the TTL
 * set in Redis ({@code SET … PX}) so Redis drops it itself and a continuation works on whichever instance the load
 * balancer picks. Every command is bounded by {@code timeout}; a failure is the caller's error (a continuation cannot
 * be served from nothing), never a silent miss. A response larger than {@code maxEntryBytes} is not kept, so one
 * huge answer cannot fill the shared memory. Thread-safe (the Redis client is).
 */
public final class RedisResponseStore implements ResponseStore {
  private final Redis client;
  private final String prefix;
  private final long ttlMillis;
  private final long maxEntryBytes;
  private final long timeoutMillis;

  public RedisResponseStore(Redis client, String prefix, Duration ttl, long maxEntryBytes, Duration timeout) {
    if (ttl.isNegative() || ttl.isZero() || maxEntryBytes < 1) {
      throw new IllegalArgumentException("ttl and maxEntryBytes must be positive");
    }
    this.client = client;
    this.prefix = prefix;
    this.ttlMillis = ttl.toMillis();
    this.maxEntryBytes = maxEntryBytes;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
  }

  @Override
  public Future<Void> put(String id, StoredResponse stored) {
    Buffer json = stored.toJson().toBuffer();
    if (json.length() > maxEntryBytes) {
      return Future.succeededFuture();
    }
    return client.send(Request.cmd(Command.SET).arg(prefix + id).arg(json).arg("PX").arg(ttlMillis))
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS).mapEmpty();
  }

  @Override
  public Future<StoredResponse> get(String id) {
    return client.send(Request.cmd(Command.GET).arg(prefix + id)).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .map(r -> r == null ? null : StoredResponse.fromJson(new JsonObject(r.toBuffer())));
  }

  @Override
  public Future<Boolean> delete(String id) {
    return client.send(Request.cmd(Command.DEL).arg(prefix + id)).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .map(r -> r != null && r.toLong() > 0);
  }
}
