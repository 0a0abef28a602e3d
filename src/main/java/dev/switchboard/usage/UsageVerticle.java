package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Owns the ledger store ({@code usage.store}): opens it (SQLite on a worker thread; PostgreSQL migrated under its
 * advisory lock), restores keys created through the admin API and the current budget windows' spend, writes queued
 * rows in batches every {@code usage.flush_interval} (SQLite also as soon as {@value #FLUSH_ROWS} are waiting),
 * applies the retention, and flushes what is left when it stops.
 * With PostgreSQL it also keeps the created keys in step with the other instances ({@link KeySync}) and holds or
 * spills rows while the database is away ({@link SpillingWriter}). JDBC never runs on an event loop.
 */
public final class UsageVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(UsageVerticle.class.getName());
  private static final int BATCH = 5_000;
  /**
   * Rows that start a batch before the interval is up. At 25k requests a second a 100 ms batch is 2,500 rows: 6-7 ms
   * of one core in SQLite, during which an event loop sharing that core runs at half speed, which is what a client's
   * p99 sees. Batches of this size take well under a millisecond each and cost about 5 % more per row (2,500-row
   * against 250-row batches in {@code bench/LedgerInsertShapes.java}).
   */
  static final int FLUSH_ROWS = 256;
  /** How often the queue's length is looked at between flushes. */
  private static final long CHECK_EVERY_MILLIS = 10;
  private static final long RETENTION_EVERY_MILLIS = 3_600_000;
  private static final long REPLAY_EVERY_MILLIS = 1_000;
  /** How stale another instance's spend may look here, with shared budgets. */
  static final long SHARED_REFRESH_MILLIS = 1_000;

  private final UsageService usage;
  private LedgerStore store;
  /** The PostgreSQL write path; null with SQLite. */
  private SpillingWriter writer;
  private boolean flushing;
  /** Set when stop begins: the periodic flush must not drain rows that the final flush would then write to a closed database. */
  private boolean stopping;

  public UsageVerticle(UsageService usage) {
    this.usage = usage;
  }

  @Override
  public Future<?> start() {
    var config = usage.config();
    Future<LedgerStore> opened = config.postgresStore() ? openPostgres() : openSqlite();
    return opened.compose(s -> s.keys().compose(keys -> {
      for (var k : keys) {
        var restored = ClientKeys.fromSpec(k.getString("name"), k.getJsonObject("spec"));
        usage.keys().add(new ClientKeys.Entry(restored, k.getString("hash"), false, k.getLong("created")));
        usage.registerGauges("key", restored.name(), restored.budget());
      }
      return s.spendByDay(usage.earliestWindowStartMillis());
    }).map(spend -> {
      usage.load(spend);
      return s;
    })).compose(s -> {
      store = s;
      if (writer != null) {
        usage.store(s, writer::describe);
        KeySync sync = new KeySync(usage, s);
        vertx.setPeriodic(config.postgres().keyRefresh().toMillis(), id -> sync.reload());
        vertx.setPeriodic(REPLAY_EVERY_MILLIS, id -> writer.replay());
        return ((PostgresLedgerStore) s).listenForKeys(sync::reload).compose(v -> writer.start())
            .onSuccess(v -> writer.replay());
      }
      usage.store(s, () -> new io.vertx.core.json.JsonObject().put("store", s.kind()));
      return Future.succeededFuture();
    }).onSuccess(v -> {
      long interval = config.flushInterval().toMillis();
      long check = Math.min(interval, CHECK_EVERY_MILLIS);
      long checksPerInterval = Math.max(1, interval / check);
      long[] checks = {0};
      vertx.setPeriodic(check, id -> {
        // While a batch is being written the count goes on, so the next check after it flushes at once. Only SQLite
        // batches by size: its batches cost this machine's cores; PostgreSQL's writer would only retry a server that
        // is down ten times as often.
        boolean full = writer == null && usage.queued() >= FLUSH_ROWS;
        if ((++checks[0] >= checksPerInterval || full) && !flushing) {
          checks[0] = 0;
          flush();
        }
      });
      vertx.setPeriodic(RETENTION_EVERY_MILLIS, id -> purge());
      vertx.setPeriodic(60_000, id -> usage.dropEndedWindows());
      usage.refreshShared();
      vertx.setPeriodic(SHARED_REFRESH_MILLIS, id -> usage.refreshShared());
      LOG.info("usage ledger " + where());
    }).recover(err -> Future.failedFuture(new IllegalStateException("cannot open the usage ledger " + where()
        + ": " + err.getMessage(), err)));
  }

  private String where() {
    var config = usage.config();
    if (config.postgresStore()) {
      return "on PostgreSQL at " + PostgresLedgerStore.printable(config.postgres().url()) + " (usage.postgres.url)";
    }
    return config.persist() ? "in " + Path.of(config.dataDir()).toAbsolutePath() + " (usage.data_dir)" : "in memory";
  }

  private Future<LedgerStore> openSqlite() {
    var config = usage.config();
    Path dir = config.persist() ? Path.of(config.dataDir()) : null;
    return vertx.executeBlocking(() -> new SqliteLedgerStore(vertx, Ledger.open(dir)));
  }

  private Future<LedgerStore> openPostgres() {
    var pg = usage.config().postgres();
    PostgresLedgerStore s = new PostgresLedgerStore(vertx, pg);
    writer = new SpillingWriter(vertx, s, Path.of(pg.spillDir()), pg.maxQueuedRows(), usage.metrics());
    return s.migrate().<LedgerStore>map(v -> s).onFailure(err -> s.close());
  }

  private Future<Void> flush() {
    if (stopping) {
      return Future.succeededFuture();
    }
    if (writer != null) {
      // Never waits on a slow database: the writer holds what it cannot write yet, within its bound.
      return usage.queued() == 0 && !writer.hasPending() ? Future.succeededFuture()
          : writer.write(usage.drain(BATCH));
    }
    if (flushing || usage.queued() == 0) {
      return Future.succeededFuture();
    }
    flushing = true;
    List<LedgerRow> batch = usage.drain(BATCH);
    return store.insert(batch).onComplete(ar -> {
      flushing = false;
      if (ar.failed()) {
        LOG.warning("usage ledger: could not write " + batch.size() + " rows: " + ar.cause().getMessage());
      }
    });
  }

  private void purge() {
    long before = System.currentTimeMillis() - usage.config().retention().toMillis();
    store.purgeBefore(before)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("usage ledger: removed " + n + " rows older than " + usage.config().retention().toDays() + " days");
          }
        });
  }

  /** Writes everything still queued, then closes the store. */
  @Override
  public Future<?> stop() {
    stopping = true;
    usage.closeShared();
    if (store == null) {
      return Future.succeededFuture();
    }
    if (writer != null) {
      return writer.finish(usage.drain(Integer.MAX_VALUE)).eventually(store::close);
    }
    // Ordered after a periodic flush still running (executeBlocking keeps this context's blocking tasks in order).
    return drainAll().eventually(store::close);
  }

  private Future<Void> drainAll() {
    List<LedgerRow> batch = usage.drain(BATCH);
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.insert(batch).compose(v -> drainAll());
  }
}
