package dev.switchboard.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.logging.Logger;

/**
 * Every change an operator makes to the running gateway (a reload, a provider or alias added, changed or removed, a
 * rotated key): who (the admin key, or the signal or file watcher that triggered it), what and when. One log line
 * each, and an event on {@value #ADDRESS} that the live event stream and the dashboard's event list show. Never
 * carries a secret: callers describe a key rotation without the key.
 */
public final class AuditTrail {
  public static final String ADDRESS = "switchboard.audit";
  private static final Logger LOG = Logger.getLogger(AuditTrail.class.getName());

  private final Vertx vertx;
  private final Clock clock;

  public AuditTrail(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  /**
   * @param who    {@code admin_key} (the admin API's one key), {@code sighup}, {@code file_watch} or {@code redis}
   * @param action e.g. {@code config.reload}, {@code provider.put}, {@code provider.delete}, {@code provider.key}
   * @param target the provider or model it concerns, or null
   * @param result {@code applied}, {@code unchanged}, {@code invalid} or {@code failed}
   */
  public void record(String who, String action, String target, String result, JsonObject detail) {
    JsonObject event = new JsonObject().put("at", clock.millis()).put("who", who).put("action", action)
        .put("target", target).put("result", result);
    if (detail != null && !detail.isEmpty()) {
      event.put("detail", detail);
    }
    LOG.info("audit: " + event.encode());
    vertx.eventBus().publish(ADDRESS, event);
  }
}
