package dev.switchboard.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of client connections against {@code server.max_connections} (all instances together) and
 * {@code server.max_connections_per_client} (one remote address), so that neither many clients nor one can take every
 * file descriptor. Thread-safe and lock-free on the global count; an address's count lives in a
 * {@link ConcurrentHashMap} entry that is removed when it drops to zero, so the map holds only connected addresses.
 */
public final class ConnectionLimits {
  public static final String MAX_CONNECTIONS = "max_connections";
  public static final String MAX_PER_CLIENT = "max_connections_per_client";

  private final int max;
  private final int maxPerClient;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perClient = new ConcurrentHashMap<>();

  public ConnectionLimits(int max, int maxPerClient) {
    this.max = max;
    this.maxPerClient = maxPerClient;
  }

  /**
   * Takes a slot for a new connection from {@code address}. Returns why it is refused (and then takes nothing):
   * {@link #MAX_CONNECTIONS} or {@link #MAX_PER_CLIENT}; null when admitted, to be given back with {@link #release}.
   */
  public String admit(String address) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return MAX_CONNECTIONS;
    }
    boolean[] full = new boolean[1];
    perClient.compute(address, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= maxPerClient) {
        full[0] = true;
        return n;
      }
      return now + 1;
    });
    if (full[0]) {
      open.decrementAndGet();
      return MAX_PER_CLIENT;
    }
    return null;
  }

  /** Gives back the slot of an admitted connection that closed. */
  public void release(String address) {
    perClient.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
