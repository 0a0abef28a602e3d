package dev.switchboard.usage;

import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The shared store's write path, which never slows a request and never loses a row: batches from the intake queue
 * are written with their idempotency keys; while PostgreSQL does not take them they wait in memory up to
 * {@code usage.postgres.max_queued_rows}, beyond that in a {@link SpillFile} segment, and both are written again
 * when it answers (a row whose first write did land is skipped by its key, so none counts twice). Segments left by
 * an earlier run are replayed too. Everything but the gauges runs on the usage verticle's context, so the state
 * needs no locks; file I/O goes to a worker thread.
 */
final class SpillingWriter {
  private static final Logger LOG = Logger.getLogger(SpillingWriter.class.getName());
  static final int BATCH = 5_000;

  private final Vertx vertx;
  private final PostgresLedgerStore store;
  private final SpillFile spill;
  private final int maxPending;
  private final GatewayMetrics metrics;
  private final ArrayDeque<PostgresLedgerStore.KeyedRow> pending = new ArrayDeque<>();
  private final AtomicLong spilled = new AtomicLong();
  private volatile int pendingRows;
  private volatile boolean up = true;
  private boolean writing;
  /** The write in flight, if any (finish waits for it before deciding what goes to disk). */
  private Future<Void> inFlight = Future.succeededFuture();
  private boolean replaying;

  SpillingWriter(Vertx vertx, PostgresLedgerStore store, Path spillDir, int maxPending, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.spill = new SpillFile(spillDir);
    this.maxPending = maxPending;
    this.metrics = metrics;
    metrics.ledgerStore(store.kind(), this::up, () -> pendingRows, spilled::get);
  }

  /** Counts what an earlier run left in the spill directory. */
  Future<Void> start() {
    return vertx.executeBlocking(spill::countRows).map(n -> {
      spilled.set(n);
      if (n > 0) {
        LOG.info("usage store: " + n + " ledger rows in " + spill.dir() + " from an earlier run, replaying them");
      }
      return (Void) null;
    });
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  boolean up() {
    return up;
  }

  /** State for /ready and the admin API. */
  JsonObject describe() {
    return new JsonObject().put("store", store.kind()).put("up", up).put("pending_rows", pendingRows)
        .put("spilled_rows", spilled.get());
  }

  /** Takes a batch from the intake queue: written now, or held (in memory, then on disk) while the store is away. */
  Future<Void> write(List<LedgerRow> batch) {
    pending.addAll(store.keyed(batch));
    pendingRows = pending.size();
    if (writing) {
      // A write is still waiting for a hung server: hold the rows, within the bound.
      return spillIfOver();
    }
    return drainPending();
  }

  private Future<Void> drainPending() {
    if (pending.isEmpty()) {
      return Future.succeededFuture();
    }
    boolean wasDown = !up;
    List<PostgresLedgerStore.KeyedRow> chunk = new ArrayList<>(Math.min(BATCH, pending.size()));
    while (chunk.size() < BATCH && !pending.isEmpty()) {
      chunk.add(pending.poll());
    }
    pendingRows = pending.size();
    writing = true;
    Future<Void> write = store.insertKeyed(chunk);
    inFlight = write.otherwiseEmpty();
    return write.transform(ar -> {
      writing = false;
      if (ar.succeeded()) {
        if (wasDown) {
          metrics.ledgerReplayed(chunk.size());
        }
        markUp();
        return drainPending();
      }
      pending.addAll(chunk);
      pendingRows = pending.size();
      markDown(ar.cause());
      return spillIfOver();
    });
  }

  private Future<Void> spillIfOver() {
    if (pending.size() <= maxPending) {
      return Future.succeededFuture();
    }
    return spillAll();
  }

  private Future<Void> spillAll() {
    List<PostgresLedgerStore.KeyedRow> rows = new ArrayList<>(pending);
    pending.clear();
    pendingRows = 0;
    return vertx.<Void>executeBlocking(() -> {
      spill.append(rows);
      return null;
    }).onSuccess(v -> spilled.addAndGet(rows.size())).recover(err -> {
      LOG.severe("usage store: could not spill " + rows.size() + " ledger rows to " + spill.dir() + " ("
          + err.getMessage() + "); they are lost");
      for (int i = 0; i < rows.size(); i++) {
        metrics.ledgerDropped();
      }
      return Future.succeededFuture();
    });
  }

  /** Writes the oldest spill segments while the store answers (called periodically; one run at a time). */
  Future<Void> replay() {
    if (replaying || spilled.get() == 0) {
      return Future.succeededFuture();
    }
    replaying = true;
    return vertx.executeBlocking(spill::segments).compose(this::replay).eventually(() -> {
      replaying = false;
      return Future.succeededFuture();
    });
  }

  private Future<Void> replay(List<Path> segments) {
    if (segments.isEmpty()) {
      return Future.succeededFuture();
    }
    Path segment = segments.get(0);
    return vertx.executeBlocking(() -> SpillFile.read(segment))
        .compose(rows -> insertInChunks(rows, 0).map(rows.size()))
        .compose(n -> vertx.executeBlocking(() -> {
          SpillFile.delete(segment);
          return n;
        }))
        .compose(n -> {
          spilled.addAndGet(-n);
          metrics.ledgerReplayed(n);
          markUp();
          LOG.info("usage store: replayed " + n + " spilled ledger rows from " + segment.getFileName());
          return replay(segments.subList(1, segments.size()));
        }, err -> {
          markDown(err);
          return Future.succeededFuture();
        });
  }

  private Future<Void> insertInChunks(List<PostgresLedgerStore.KeyedRow> rows, int from) {
    if (from >= rows.size()) {
      return Future.succeededFuture();
    }
    int to = Math.min(rows.size(), from + BATCH);
    return store.insertKeyed(rows.subList(from, to)).compose(v -> insertInChunks(rows, to));
  }

  /**
   * At stop: takes the last rows, waits for the write in flight, makes one last try to write everything held, and
   * puts what the store will not take on disk.
   */
  Future<Void> finish(List<LedgerRow> last) {
    pending.addAll(store.keyed(last));
    pendingRows = pending.size();
    return inFlight.transform(ar -> drainPending())
        .compose(v -> pending.isEmpty() ? Future.succeededFuture() : spillAll());
  }

  private void markDown(Throwable err) {
    if (up) {
      up = false;
      LOG.warning("usage store: PostgreSQL does not take ledger rows (" + err.getMessage() + "); holding them up to "
          + maxPending + " in memory, then in " + spill.dir() + ", until it answers");
    }
  }

  private void markUp() {
    if (!up) {
      up = true;
      LOG.info("usage store: PostgreSQL answers again; writing the held ledger rows");
    }
  }
}
