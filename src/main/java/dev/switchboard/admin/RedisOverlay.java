package dev.switchboard.admin;

import dev.switchboard.cache.RedisAnnouncements;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.util.function.Function;

/**
 * The overlay in the shared Redis (the one {@code ratelimit.redis_url} names), so every instance applies a runtime
 * change: saved under {@value #KEY}, then announced on the channel {@value #CHANNEL} with the saver's id; the other
 * instances reload when they hear it. The subscription reconnects after a lost connection and then reloads once,
 * since a change may have been announced while it was away.
 */
public final class RedisOverlay implements OverlayStore {
  static final String KEY = "switchboard:config:overlay";
  static final String CHANNEL = "switchboard:config:changed";
  private static final int MAX_TRIES = 10;
  /** KEYS[1] the overlay; ARGV: the value the edit started from ('' for none), the new value, channel, instance. */
  private static final String COMPARE_AND_SET = "local cur = redis.call('GET', KEYS[1]) or '' "
      + "if cur ~= ARGV[1] then return 0 end "
      + "redis.call('SET', KEYS[1], ARGV[2]) redis.call('PUBLISH', ARGV[3], ARGV[4]) return 1";

  private final RedisOptions options;
  private final Redis client;
  /** Saves announced to and by the other instances; after a lost subscription they reload once to catch up. */
  private final RedisAnnouncements announcements;
  private final String described;

  public RedisOverlay(Vertx vertx, String url, String redactedUrl) {
    this.options = new RedisOptions().setConnectionString(url).setMaxPoolSize(2).setMaxPoolWaiting(64);
    this.client = Redis.createClient(vertx, options);
    this.announcements = new RedisAnnouncements(vertx, Redis.createClient(vertx,
        new RedisOptions(options).setMaxPoolSize(1)), CHANNEL, "config", true);
    this.described = "redis " + redactedUrl + " key " + KEY;
  }

  @Override
  public Future<JsonObject> load() {
    return client.send(Request.cmd(Command.GET).arg(KEY))
        .map(r -> r == null ? new JsonObject() : new JsonObject(r.toString()));
  }

  @Override
  public Future<Void> save(JsonObject overlay) {
    return client.send(Request.cmd(Command.SET).arg(KEY).arg(overlay.encode()))
        .compose(r -> client.send(announcements.announcement()))
        .mapEmpty();
  }

  /**
   * Compare and set: the edit is stored only if the key still holds what it was given (one script, so nothing comes
   * between the check and the write), else it is redone on the newer overlay.
   */
  @Override
  public Future<JsonObject> update(JsonObject running, Function<JsonObject, Future<JsonObject>> edit) {
    return update(edit, 0);
  }

  private Future<JsonObject> update(Function<JsonObject, Future<JsonObject>> edit, int tries) {
    return client.send(Request.cmd(Command.GET).arg(KEY)).compose(r -> {
      String seen = r == null ? "" : r.toString();
      return edit.apply(seen.isEmpty() ? new JsonObject() : new JsonObject(seen)).compose(overlay -> client.send(
              Request.cmd(Command.EVAL).arg(COMPARE_AND_SET).arg(1).arg(KEY).arg(seen).arg(overlay.encode())
                  .arg(CHANNEL).arg(announcements.instance()))
          .compose(stored -> stored.toInteger() == 1 ? Future.succeededFuture(overlay)
              : tries < MAX_TRIES ? update(edit, tries + 1)
              : Future.failedFuture("the overlay kept changing under " + MAX_TRIES + " attempts to change it")));
    });
  }

  @Override
  public void onChange(Runnable changed) {
    announcements.listen(changed);
  }

  @Override
  public String describe() {
    return described;
  }

  @Override
  public Future<Void> close() {
    announcements.close();
    client.close();
    return Future.succeededFuture();
  }
}
