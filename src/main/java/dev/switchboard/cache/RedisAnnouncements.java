package dev.switchboard.cache;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.UUID;
import java.util.logging.Logger;

/**
 * A Redis channel on which instances sharing a Redis announce a change to the others (a cache clear, a config
 * overlay saved): {@link #announcement} is what the announcing instance publishes, and {@link #listen} hears the
 * other instances' announcements, never its own. The subscription has a connection of its own (a subscribed
 * connection can send nothing else) and reconnects every second after a lost one; an outage is one warning, not one
 * a second. An announcement made while it was away is missed, so a listener that must not miss one asks to be called
 * once after each reconnection too.
 */
public final class RedisAnnouncements {
  private static final Logger LOG = Logger.getLogger(RedisAnnouncements.class.getName());
  private static final long RECONNECT_MILLIS = 1_000;

  private final Vertx vertx;
  private final Redis subscriber;
  private final String channel;
  /** What is announced, for the log: "config", "cache clear". */
  private final String what;
  private final boolean catchUpOnReconnect;
  private final String instance = UUID.randomUUID().toString();
  private volatile Runnable heard = () -> { };
  private volatile RedisConnection subscription;
  private volatile boolean closed;
  /** Whether the current outage was logged. */
  private volatile boolean warned;

  /**
   * @param subscriber         the client the subscription uses alone (closed with this)
   * @param catchUpOnReconnect whether the listener is also called once each reconnected subscription is in place
   */
  public RedisAnnouncements(Vertx vertx, Redis subscriber, String channel, String what, boolean catchUpOnReconnect) {
    this.vertx = vertx;
    this.subscriber = subscriber;
    this.channel = channel;
    this.what = what;
    this.catchUpOnReconnect = catchUpOnReconnect;
  }

  /** This instance's name in its announcements (for a script that publishes one itself). */
  public String instance() {
    return instance;
  }

  /** The PUBLISH of this instance's announcement. */
  public Request announcement() {
    return Request.cmd(Command.PUBLISH).arg(channel).arg(instance);
  }

  /** Calls {@code heard} whenever another instance announces (and after a reconnection, if asked to). */
  public void listen(Runnable heard) {
    this.heard = heard;
    subscribe(false);
  }

  private void subscribe(boolean again) {
    if (closed) {
      return;
    }
    subscriber.connect().onSuccess(conn -> {
      subscription = conn;
      if (warned) {
        LOG.info(what + " subscription to Redis restored");
        warned = false;
      }
      conn.handler(this::message);
      conn.exceptionHandler(err -> LOG.fine(what + " subscription: " + err));
      conn.endHandler(v -> retry("lost; reconnecting"));
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onSuccess(r -> {
        if (again && catchUpOnReconnect) {
          heard.run();
        }
      });
    }).onFailure(err -> retry("failed (" + err.getMessage() + "); retrying every second"));
  }

  private void retry(String why) {
    if (closed) {
      return;
    }
    if (!warned) {
      LOG.warning(what + " subscription to Redis " + why);
      warned = true;
    }
    vertx.setTimer(RECONNECT_MILLIS, id -> subscribe(true));
  }

  private void message(Response r) {
    // RESP2 pushes ["message", channel, payload]; an announcement of our own is not news.
    if (r.size() == 3 && "message".equals(r.get(0).toString()) && channel.equals(r.get(1).toString())
        && !instance.equals(r.get(2).toString())) {
      heard.run();
    }
  }

  public void close() {
    closed = true;
    RedisConnection s = subscription;
    if (s != null) {
      s.close();
    }
    subscriber.close();
  }
}
