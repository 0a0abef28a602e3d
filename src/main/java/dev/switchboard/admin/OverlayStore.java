package dev.switchboard.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Where runtime config changes are kept so they survive a restart: a local file, or a shared store that every
 * instance reads and that tells the others when one of them changed it. Small on purpose, so another store
 * (PostgreSQL) is one more class.
 */
public interface OverlayStore {
  /** The stored overlay; an empty object when there is none yet. */
  Future<JsonObject> load();

  /** Replaces the stored overlay (and, for a shared store, tells the other instances). */
  Future<Void> save(JsonObject overlay);

  /** Calls {@code changed} when another instance saved a new overlay; a local store never does. */
  default void onChange(Runnable changed) {
  }

  /** For logs and {@code GET /admin/config}: where the overlay lives. */
  String describe();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
