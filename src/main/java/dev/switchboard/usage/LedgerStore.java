package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.ZoneId;
import java.util.List;

/**
 * Where the ledger, the keys created through the admin API and the reports live ({@code usage.store}): one SQLite
 * file per instance ({@link SqliteLedgerStore}, the default) or one PostgreSQL shared by every instance
 * ({@link PostgresLedgerStore}). Every call answers with a future and never blocks the caller's event loop.
 */
public interface LedgerStore {
  /** {@code sqlite} or {@code postgres}. */
  String kind();

  /** Writes a batch of rows in one transaction. */
  Future<Void> insert(List<LedgerRow> rows);

  /** Spend per key and provider since {@code fromMillis}, to rebuild budget counters. Rows: key, provider, at, cost. */
  Future<List<Object[]>> spendByDay(long fromMillis);

  /** Cost and tokens between two instants grouped by provider, model, key or day (see {@link Ledger#costs}). */
  Future<JsonArray> costs(long fromMillis, long toMillis, String groupBy, ZoneId zone);

  Future<Long> count();

  /** Rows of one request, newest first. */
  Future<List<JsonObject>> rows(String requestId);

  Future<Integer> purgeBefore(long millis);

  /** Stores a new key; fails with {@link KeyExists} when one of that name is stored already. */
  Future<Void> saveKey(String name, String hash, JsonObject spec, long created);

  Future<Boolean> deleteKey(String name);

  /** Every stored key as {name, hash, spec, created}. */
  Future<List<JsonObject>> keys();

  Future<Void> close();

  /**
   * The name is stored already: another instance created it and its notice has not arrived yet (the admin API
   * answers 409, as for a key it knows).
   */
  final class KeyExists extends RuntimeException {
    public KeyExists(String name) {
      super("a key named '" + name + "' is stored already", null, false, false);
    }
  }
}
