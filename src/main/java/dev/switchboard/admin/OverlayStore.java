package dev.switchboard.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

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

  /**
   * Stores {@code edit} applied to the overlay and answers what was stored; a failed edit stores nothing. A local
   * store edits {@code running}, the overlay this instance runs (its own changes are serialised before they get
   * here). A shared store edits the stored overlay instead, atomically: another instance's change saved before,
   * even one whose announcement has not arrived yet, is kept, never overwritten by a stale copy.
   */
  default Future<JsonObject> update(JsonObject running, Function<JsonObject, Future<JsonObject>> edit) {
    return edit.apply(running).compose(overlay -> save(overlay).map(overlay));
  }

  /** Calls {@code changed} when another instance saved a new overlay; a local store never does. */
  default void onChange(Runnable changed) {
  }

  /** For logs and {@code GET /admin/config}: where the overlay lives. */
  String describe();

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
