package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.logging.Logger;

/**
 * The PostgreSQL schema as numbered steps, applied at start in order, each in its own transaction with its version
 * row, under a session advisory lock: two instances starting at once apply each step once (the second waits, then
 * finds nothing left to do), and a database at an older version gets only the steps it lacks.
 */
public final class PgMigrations {
  private static final Logger LOG = Logger.getLogger(PgMigrations.class.getName());
  /** Any constant shared by every instance; "sb-ledg" in ASCII. */
  static final long LOCK = 0x73622d6c656467L;

  /** Step n is {@code STEPS.get(n - 1)}; append only, never edit a released step. */
  static final List<List<String>> STEPS = List.of(
      List.of("CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, request_id VARCHAR(128), "
              + "key_name VARCHAR(128), provider VARCHAR(128), model VARCHAR(256), prompt_tokens BIGINT, "
              + "completion_tokens BIGINT, cached_tokens BIGINT, cost DOUBLE PRECISION, latency_ms BIGINT, "
              + "ttft_ms BIGINT, status INT, cache_hit BOOLEAN, attempts VARCHAR(1024), estimated BOOLEAN)",
          "CREATE INDEX ledger_at ON ledger(at)",
          "CREATE TABLE api_keys (name VARCHAR(128) PRIMARY KEY, hash VARCHAR(64) NOT NULL, spec TEXT NOT NULL, "
              + "created BIGINT NOT NULL)"),
      // Replayed batches (after an outage, or a write whose answer was lost) must not count twice: every row
      // carries the key its instance gave it when it was first queued.
      List.of("ALTER TABLE ledger ADD COLUMN row_key VARCHAR(160)",
          "CREATE UNIQUE INDEX ledger_row_key ON ledger(row_key)",
          "CREATE INDEX ledger_request_id ON ledger(request_id)"),
      // The end user a request was for (the body's user, metadata.user_id or the end-user header).
      List.of("ALTER TABLE ledger ADD COLUMN end_user VARCHAR(128)"),
      // Runtime config changes (the overlay over the file), shared by every instance: one row, announced by NOTIFY.
      List.of("CREATE TABLE config_overlay (id INT PRIMARY KEY, overlay TEXT NOT NULL, updated_at BIGINT NOT NULL, "
          + "instance VARCHAR(64))"));

  private PgMigrations() {
  }

  public static int latest() {
    return STEPS.size();
  }

  /** Brings the schema up to {@link #latest()}; answers the version found before. */
  public static Future<Integer> migrate(Pool pool) {
    // The notice "already exists, skipping" is the normal case after the first start, not news for the log.
    return pool.withConnection(c -> c.query("SET client_min_messages TO warning").execute()
        .compose(v -> c.query("SELECT pg_advisory_lock(" + LOCK + ")").execute())
        .compose(v -> c.query("CREATE TABLE IF NOT EXISTS switchboard_schema (version INT PRIMARY KEY, "
            + "applied_at BIGINT NOT NULL)").execute())
        .compose(v -> c.query("SELECT COALESCE(MAX(version), 0) FROM switchboard_schema").execute())
        .compose(rows -> {
          int found = rows.iterator().next().getInteger(0);
          return apply(c, found + 1).map(found);
        })
        .eventually(() -> c.query("SELECT pg_advisory_unlock(" + LOCK + ")").execute()));
  }

  private static Future<Void> apply(SqlConnection c, int version) {
    if (version > STEPS.size()) {
      return Future.succeededFuture();
    }
    return c.begin().compose(tx -> {
      Future<?> f = Future.succeededFuture();
      for (String sql : STEPS.get(version - 1)) {
        f = f.compose(v -> c.query(sql).execute());
      }
      return f.compose(v -> c.preparedQuery("INSERT INTO switchboard_schema (version, applied_at) VALUES ($1, $2)")
              .execute(Tuple.of(version, System.currentTimeMillis())))
          .compose(v -> tx.commit())
          .recover(err -> tx.rollback().transform(ar -> Future.<Void>failedFuture(err)));
    }).compose(v -> {
      LOG.info("usage store: PostgreSQL schema at version " + version);
      return apply(c, version + 1);
    });
  }
}
