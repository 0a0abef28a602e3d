package dev.switchboard.admin;

import dev.switchboard.config.PostgresStoreConfig;
import dev.switchboard.usage.PgMigrations;
import dev.switchboard.usage.PostgresLedgerStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The overlay in the shared PostgreSQL ({@code usage.store: postgres}), so every instance applies a runtime change:
 * one row of {@code config_overlay} (created by {@link PgMigrations}), written and announced with
 * {@code NOTIFY} {@value #CHANNEL} in the same transaction, so the others hear of it only once it is committed and
 * readable. The others reload when they hear it; after a lost connection the subscriber reconnects and they reload
 * once, since a change may have been announced while it was away.
 */
public final class PostgresOverlay implements OverlayStore {
  static final String CHANNEL = "switchboard_config";
  private static final Logger LOG = Logger.getLogger(PostgresOverlay.class.getName());
  private static final String SAVE = "INSERT INTO config_overlay (id, overlay, updated_at, instance) "
      + "VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET overlay = EXCLUDED.overlay, "
      + "updated_at = EXCLUDED.updated_at, instance = EXCLUDED.instance";

  private final Vertx vertx;
  private final PgConnectOptions connect;
  private final Pool pool;
  private final String instance = UUID.randomUUID().toString();
  private final String described;
  /** The schema, brought up to date once, before the first read or write. */
  private Future<Integer> schema;
  private PgSubscriber subscriber;
  private volatile boolean subscribedOnce;

  public PostgresOverlay(Vertx vertx, PostgresStoreConfig config) {
    this.vertx = vertx;
    this.connect = PostgresLedgerStore.connectOptions(config);
    this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2).setMaxWaitQueueSize(64)
            .setConnectionTimeout((int) config.connectTimeout().toMillis())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect).using(vertx).build();
    this.described = "postgres " + PostgresLedgerStore.printable(config.url()) + " table config_overlay";
  }

  private synchronized Future<Integer> schema() {
    if (schema == null || schema.failed()) {
      schema = PgMigrations.migrate(pool);
    }
    return schema;
  }

  @Override
  public Future<JsonObject> load() {
    return schema().compose(v -> pool.query("SELECT overlay FROM config_overlay WHERE id = 1").execute())
        .map(rows -> {
          Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
          return row == null ? new JsonObject() : new JsonObject(row.getString(0));
        });
  }

  @Override
  public Future<Void> save(JsonObject overlay) {
    return schema().compose(v -> pool.withTransaction(c -> c.preparedQuery(SAVE)
            .execute(Tuple.of(overlay.encode(), System.currentTimeMillis(), instance))
            .compose(r -> c.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, instance)))))
        .mapEmpty();
  }

  /** The row is locked from the read to the commit, so instances changing the overlay at once take turns. */
  @Override
  public Future<JsonObject> update(JsonObject running, Function<JsonObject, Future<JsonObject>> edit) {
    return schema().compose(v -> pool.withTransaction(c -> c.query("INSERT INTO config_overlay (id, overlay, "
            + "updated_at, instance) VALUES (1, '{}', 0, NULL) ON CONFLICT (id) DO NOTHING").execute()
        .compose(r -> c.query("SELECT overlay FROM config_overlay WHERE id = 1 FOR UPDATE").execute())
        .compose(rows -> edit.apply(new JsonObject(rows.iterator().next().getString(0))))
        .compose(overlay -> c.preparedQuery(SAVE).execute(Tuple.of(overlay.encode(), System.currentTimeMillis(),
                instance))
            .compose(r -> c.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, instance)))
            .map(overlay))));
  }

  @Override
  public void onChange(Runnable changed) {
    subscriber = PgSubscriber.subscriber(vertx, connect).reconnectPolicy(retries -> 1_000L);
    subscriber.channel(CHANNEL)
        .subscribeHandler(v -> {
          // The first subscription is the start, which read the overlay already; a later one follows an outage.
          if (subscribedOnce) {
            LOG.info("config subscription to PostgreSQL restored; reloading in case a change was missed");
            changed.run();
          }
          subscribedOnce = true;
        })
        .handler(payload -> {
          // An announcement of our own save is not news.
          if (!instance.equals(payload)) {
            changed.run();
          }
        });
    subscriber.connect().onFailure(err -> LOG.warning("config subscription to PostgreSQL failed ("
        + err.getMessage() + "); other instances' changes arrive after it connects"));
  }

  @Override
  public String describe() {
    return described;
  }

  @Override
  public Future<Void> close() {
    if (subscriber != null) {
      subscriber.close();
    }
    return pool.close();
  }
}
