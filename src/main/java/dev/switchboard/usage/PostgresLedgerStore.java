package dev.switchboard.usage;

import dev.switchboard.config.PostgresStoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared store: ledger, created keys and reports in one PostgreSQL for every instance, through the reactive
 * {@code vertx-pg-client} (no JDBC, no worker threads). Rows are written with {@code ON CONFLICT (row_key) DO
 * NOTHING}, so a batch written again (a replay after an outage, a commit whose answer was lost) counts once. Key
 * changes are announced on the {@value #KEYS_CHANNEL} channel ({@code NOTIFY}) for the other instances to reload.
 * Thread-safe: the pool is.
 */
public final class PostgresLedgerStore implements LedgerStore {
  public static final String KEYS_CHANNEL = "switchboard_keys";

  /** A row and the key that makes writing it idempotent (instance id and sequence, given when first queued). */
  public record KeyedRow(String key, LedgerRow row) {
  }

  private static final String INSERT = "INSERT INTO ledger (at, request_id, key_name, provider, model, prompt_tokens, "
      + "completion_tokens, cached_tokens, cost, latency_ms, ttft_ms, status, cache_hit, attempts, estimated, row_key, "
      + "end_user) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
      + "ON CONFLICT (row_key) DO NOTHING";

  private final Vertx vertx;
  private final PostgresStoreConfig config;
  private final PgConnectOptions connect;
  private final Pool pool;
  private final String instance;
  private final AtomicLong sequence = new AtomicLong();
  private PgSubscriber subscriber;

  public PostgresLedgerStore(Vertx vertx, PostgresStoreConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.connect = connectOptions(config);
    this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.poolSize()).setMaxWaitQueueSize(1024)
            .setConnectionTimeout((int) config.connectTimeout().toMillis())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(connect).using(vertx).build();
    byte[] id = new byte[6];
    new java.security.SecureRandom().nextBytes(id);
    this.instance = java.util.HexFormat.of().formatHex(id);
  }

  /** The URL with {@code user}/{@code password} applied over it. */
  public static PgConnectOptions connectOptions(PostgresStoreConfig config) {
    PgConnectOptions o = PgConnectOptions.fromUri(config.url().replaceFirst("^postgres://", "postgresql://"));
    if (!config.user().isEmpty()) {
      o.setUser(config.user());
    }
    if (config.password().isPresent()) {
      o.setPassword(config.password().reveal());
    }
    if (o.getUser() == null || o.getUser().isEmpty()) {
      o.setUser("postgres");
    }
    return o.setReconnectAttempts(0);
  }

  /** The URL without a password in it, for logs and messages. */
  public static String printable(String url) {
    return url.replaceFirst("//([^:/@]*):[^@/]*@", "//$1:***@");
  }

  @Override
  public String kind() {
    return "postgres";
  }

  /** Creates or upgrades the schema (see {@link PgMigrations}). */
  public Future<Integer> migrate() {
    return timed(PgMigrations.migrate(pool));
  }

  /**
   * Listens for key changes made by any instance; {@code changed} runs on each (and after a reconnect, when a change
   * may have been missed). The subscriber reconnects by itself every second while PostgreSQL is away.
   */
  public Future<Void> listenForKeys(Runnable changed) {
    subscriber = PgSubscriber.subscriber(vertx, connect).reconnectPolicy(retries -> 1_000L);
    subscriber.channel(KEYS_CHANNEL).subscribeHandler(v -> changed.run()).handler(payload -> changed.run());
    return subscriber.connect();
  }

  /** Gives rows their idempotency keys; call once per row, before its first write. */
  public List<KeyedRow> keyed(List<LedgerRow> rows) {
    List<KeyedRow> out = new ArrayList<>(rows.size());
    for (LedgerRow r : rows) {
      out.add(new KeyedRow(instance + '-' + sequence.incrementAndGet(), r));
    }
    return out;
  }

  @Override
  public Future<Void> insert(List<LedgerRow> rows) {
    return insertKeyed(keyed(rows));
  }

  /** Writes rows in one transaction; rows already there (same key) are skipped. */
  public Future<Void> insertKeyed(List<KeyedRow> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>(rows.size());
    for (KeyedRow k : rows) {
      LedgerRow r = k.row();
      String attempts = r.attempts() == null || r.attempts().length() <= 1024 ? r.attempts()
          : r.attempts().substring(0, 1024);
      batch.add(Tuple.tuple().addLong(r.timeMillis()).addString(r.requestId()).addString(r.keyName())
          .addString(r.provider()).addString(r.model()).addLong(r.promptTokens()).addLong(r.completionTokens())
          .addLong(r.cachedTokens()).addDouble(r.cost()).addLong(r.latencyMillis()).addLong(r.ttftMillis())
          .addInteger(r.status()).addBoolean(r.cacheHit()).addString(attempts).addBoolean(r.estimated())
          .addString(k.key()).addString(r.endUser()));
    }
    return timed(pool.withTransaction(c -> c.preparedQuery(INSERT).executeBatch(batch))).mapEmpty();
  }

  @Override
  public Future<List<Object[]>> spendByDay(long fromMillis) {
    return timed(pool.preparedQuery("SELECT key_name, provider, at, cost FROM ledger WHERE at >= $1 AND cost > 0")
        .execute(Tuple.of(fromMillis))).map(rows -> {
          List<Object[]> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Object[] {r.getString(0), r.getString(1), r.getLong(2), r.getDouble(3)});
          }
          return out;
        });
  }

  @Override
  public Future<JsonArray> costs(long fromMillis, long toMillis, String groupBy, ZoneId zone) {
    String column = CostReport.column(groupBy);
    if (column == null) {
      return timed(pool.preparedQuery("SELECT at, cost, prompt_tokens, completion_tokens, provider FROM ledger "
          + "WHERE at >= $1 AND at < $2").execute(Tuple.of(fromMillis, toMillis))).map(rows -> {
            CostReport.Days days = new CostReport.Days(zone);
            for (Row r : rows) {
              days.add(r.getLong(0), r.getDouble(1), r.getLong(2), r.getLong(3), r.getString(4));
            }
            return days.rows();
          });
    }
    return timed(pool.preparedQuery("SELECT " + column + ", SUM(cost), SUM(prompt_tokens)::BIGINT, "
        + "SUM(completion_tokens)::BIGINT, COUNT(*) FROM ledger WHERE at >= $1 AND at < $2 GROUP BY " + column
        + " ORDER BY SUM(cost) DESC, COUNT(*) DESC").execute(Tuple.of(fromMillis, toMillis))).map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(CostReport.group(groupBy, r.getString(0), r.getDouble(1), r.getLong(2), r.getLong(3), r.getLong(4)));
          }
          return out;
        });
  }

  @Override
  public Future<Long> count() {
    return timed(pool.query("SELECT COUNT(*) FROM ledger").execute()).map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<List<JsonObject>> rows(String requestId) {
    return timed(pool.preparedQuery("SELECT key_name, provider, model, prompt_tokens, completion_tokens, "
        + "cached_tokens, cost, status, estimated, attempts, end_user FROM ledger WHERE request_id = $1 ORDER BY id DESC")
        .execute(Tuple.of(requestId))).map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new JsonObject().put("key", r.getString(0)).put("provider", r.getString(1))
                .put("model", r.getString(2)).put("prompt_tokens", r.getLong(3))
                .put("completion_tokens", r.getLong(4)).put("cached_tokens", r.getLong(5))
                .put("cost", r.getDouble(6)).put("status", r.getInteger(7)).put("estimated", r.getBoolean(8))
                .put("attempts", r.getString(9)).put("end_user", r.getString(10)));
          }
          return out;
        });
  }

  @Override
  public Future<Integer> purgeBefore(long millis) {
    return timed(pool.preparedQuery("DELETE FROM ledger WHERE at < $1").execute(Tuple.of(millis)))
        .map(r -> r.rowCount());
  }

  @Override
  public Future<Void> saveKey(String name, String hash, JsonObject spec, long created) {
    return timed(pool.withTransaction(c -> c.preparedQuery(
            "INSERT INTO api_keys (name, hash, spec, created) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(name, hash, spec.encode(), created))
        .compose(v -> c.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(KEYS_CHANNEL, name)))))
        .recover(err -> Future.failedFuture(err instanceof io.vertx.pgclient.PgException pg
            && "23505".equals(pg.getSqlState()) ? new KeyExists(name) : err))
        .mapEmpty();
  }

  /** Stores a key unless one of that name exists; answers whether it was stored (for {@link LedgerCopy}). */
  Future<Boolean> saveKeyIfAbsent(String name, String hash, JsonObject spec, long created) {
    return timed(pool.preparedQuery("INSERT INTO api_keys (name, hash, spec, created) VALUES ($1, $2, $3, $4) "
        + "ON CONFLICT (name) DO NOTHING").execute(Tuple.of(name, hash, spec.encode(), created)))
        .map(r -> r.rowCount() > 0);
  }

  @Override
  public Future<Boolean> deleteKey(String name) {
    return timed(pool.withTransaction(c -> c.preparedQuery("DELETE FROM api_keys WHERE name = $1")
        .execute(Tuple.of(name))
        .compose(r -> c.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(KEYS_CHANNEL, name))
            .map(v -> r.rowCount() > 0))));
  }

  @Override
  public Future<List<JsonObject>> keys() {
    return timed(pool.query("SELECT name, hash, spec, created FROM api_keys ORDER BY created").execute()).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new JsonObject().put("name", r.getString(0)).put("hash", r.getString(1))
            .put("spec", new JsonObject(r.getString(2))).put("created", r.getLong(3)));
      }
      return out;
    });
  }

  /** Every call gives up after the connect timeout plus a margin, so a hung server reads as down, not as slow. */
  private <T> Future<T> timed(Future<T> f) {
    return f.timeout(config.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<Void> close() {
    Future<Void> s = subscriber == null ? Future.succeededFuture() : subscriber.close();
    return s.eventually(pool::close);
  }
}
