package dev.switchboard.server.responses;

import io.vertx.core.Future;

/**
 * Where stored responses live. Futures so a shared implementation (Redis) fits the same port; the in-memory one
 * answers at once ({@link MemoryResponseStore}).
 */
public interface ResponseStore {
  Future<Void> put(String id, StoredResponse stored);

  /** The stored response, or null when unknown or expired. */
  Future<StoredResponse> get(String id);

  /** Whether there was one to delete. */
  Future<Boolean> delete(String id);
}
