package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Owns the ledger: opens the database (on a worker thread), restores keys created through the admin API and the
 * current budget windows' spend, writes queued rows in batches every {@code usage.flush_interval}, applies the
 * retention, and flushes what is left when it stops. JDBC never runs on an event loop.
 */
public final class UsageVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(UsageVerticle.class.getName());
  private static final int BATCH = 5_000;
  private static final long RETENTION_EVERY_MILLIS = 3_600_000;
  /** How stale another instance's spend may look here, with shared budgets. */
  static final long SHARED_REFRESH_MILLIS = 1_000;

  private final UsageService usage;
  private Ledger ledger;
  private boolean flushing;
  /** Set when stop begins: the periodic flush must not drain rows that the final flush would then write to a closed database. */
  private boolean stopping;

  public UsageVerticle(UsageService usage) {
    this.usage = usage;
  }

  @Override
  public Future<?> start() {
    var config = usage.config();
    Path dir = config.persist() ? Path.of(config.dataDir()) : null;
    return vertx.executeBlocking(() -> {
      Ledger l = Ledger.open(dir);
      for (var k : l.keys()) {
        var restored = ClientKeys.fromSpec(k.getString("name"), k.getJsonObject("spec"));
        usage.keys().add(new ClientKeys.Entry(restored, k.getString("hash"), false, k.getLong("created")));
        usage.registerGauges("key", restored.name(), restored.budget());
      }
      usage.load(l.spendByDay(usage.earliestWindowStartMillis()));
      return l;
    }).onSuccess(l -> {
      ledger = l;
      usage.ledger(l);
      vertx.setPeriodic(config.flushInterval().toMillis(), id -> flush());
      vertx.setPeriodic(RETENTION_EVERY_MILLIS, id -> purge());
      vertx.setPeriodic(60_000, id -> usage.dropEndedWindows());
      usage.refreshShared();
      vertx.setPeriodic(SHARED_REFRESH_MILLIS, id -> usage.refreshShared());
      LOG.info("usage ledger " + (dir == null ? "in memory" : "at " + dir.toAbsolutePath()));
    }).recover(err -> Future.failedFuture(new IllegalStateException("cannot open the usage ledger"
        + (dir == null ? "" : " in " + dir.toAbsolutePath() + " (usage.data_dir)") + ": " + err.getMessage(), err)));
  }

  private Future<Void> flush() {
    if (flushing || stopping || usage.queued() == 0) {
      return Future.succeededFuture();
    }
    flushing = true;
    List<LedgerRow> batch = usage.drain(BATCH);
    return vertx.<Void>executeBlocking(() -> {
      ledger.insert(batch);
      return null;
    }).onComplete(ar -> {
      flushing = false;
      if (ar.failed()) {
        LOG.warning("usage ledger: could not write " + batch.size() + " rows: " + ar.cause().getMessage());
      }
    });
  }

  private void purge() {
    long before = System.currentTimeMillis() - usage.config().retention().toMillis();
    vertx.executeBlocking(() -> ledger.purgeBefore(before))
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("usage ledger: removed " + n + " rows older than " + usage.config().retention().toDays() + " days");
          }
        });
  }

  /** Writes everything still queued, then closes the database. */
  @Override
  public Future<?> stop() {
    stopping = true;
    usage.closeShared();
    if (ledger == null) {
      return Future.succeededFuture();
    }
    // Ordered after a periodic flush still running (executeBlocking keeps this context's blocking tasks in order).
    return vertx.executeBlocking(() -> {
      List<LedgerRow> batch;
      while (!(batch = usage.drain(BATCH)).isEmpty()) {
        ledger.insert(batch);
      }
      ledger.close();
      return null;
    });
  }
}
