package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.ZoneId;
import java.util.List;

/**
 * The embedded store: the blocking {@link Ledger} on SQLite, every call on a worker thread. Writes and the close
 * are ordered on the caller's context (the usage verticle's), so the final flush lands before the close; reports
 * run unordered beside them.
 */
public final class SqliteLedgerStore implements LedgerStore {
  private final Vertx vertx;
  private final Ledger ledger;

  public SqliteLedgerStore(Vertx vertx, Ledger ledger) {
    this.vertx = vertx;
    this.ledger = ledger;
  }

  /** The blocking ledger itself (for {@link UsageService#query}). */
  Ledger ledger() {
    return ledger;
  }

  @Override
  public String kind() {
    return "sqlite";
  }

  @Override
  public Future<Void> insert(List<LedgerRow> rows) {
    return vertx.executeBlocking(() -> {
      ledger.insert(rows);
      return null;
    });
  }

  @Override
  public Future<List<Object[]>> spendByDay(long fromMillis) {
    return vertx.executeBlocking(() -> ledger.spendByDay(fromMillis), false);
  }

  @Override
  public Future<JsonArray> costs(long fromMillis, long toMillis, String groupBy, ZoneId zone) {
    return vertx.executeBlocking(() -> ledger.costs(fromMillis, toMillis, groupBy, zone), false);
  }

  @Override
  public Future<Long> count() {
    return vertx.executeBlocking(ledger::count, false);
  }

  @Override
  public Future<List<JsonObject>> rows(String requestId) {
    return vertx.executeBlocking(() -> ledger.rows(requestId), false);
  }

  @Override
  public Future<Integer> purgeBefore(long millis) {
    return vertx.executeBlocking(() -> ledger.purgeBefore(millis));
  }

  @Override
  public Future<Void> saveKey(String name, String hash, JsonObject spec, long created) {
    return vertx.executeBlocking(() -> {
      try {
        ledger.saveKey(name, hash, spec, created);
      } catch (java.sql.SQLException e) {
        // SQLITE_CONSTRAINT: another instance on this file stored the name since this one loaded its keys.
        throw e.getErrorCode() == 19 ? new KeyExists(name) : e;
      }
      return null;
    }, false);
  }

  @Override
  public Future<Boolean> deleteKey(String name) {
    return vertx.executeBlocking(() -> ledger.deleteKey(name), false);
  }

  @Override
  public Future<List<JsonObject>> keys() {
    return vertx.executeBlocking(ledger::keys, false);
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      ledger.close();
      return null;
    });
  }
}
