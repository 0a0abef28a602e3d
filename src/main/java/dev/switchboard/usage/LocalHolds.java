package dev.switchboard.usage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Budget reservations of one instance without Redis (or while Redis is away): per window counter, the sum held by
 * requests in flight, in billionths so that compare-and-set keeps it exact and lock-free. A hold is admitted by the
 * rule of {@link #fits}; holds in several windows are taken one by one and given back when a later one does not fit.
 */
final class LocalHolds {
  private static final double UNIT = 1e9;
  private final Map<String, AtomicLong> held = new ConcurrentHashMap<>();

  /**
   * The reservation rule, the same here and in Redis: a window with nothing held admits any request while it has
   * budget left (so a lone request is never refused while budget remains, and overshoots by at most its own cost);
   * a window with requests in flight admits one only when spent, held and this request's estimate all fit.
   */
  static boolean fits(double spent, double held, double amount, double limit) {
    return spent < limit && (held <= 0 || spent + held + amount <= limit + 1e-12);
  }

  /** Holds {@code amount} in every counter, or in none: the index of the window that refused, or -1. */
  int hold(List<String> counters, double[] spent, double[] limits, double amount) {
    long units = Math.round(amount * UNIT);
    for (int i = 0; i < counters.size(); i++) {
      AtomicLong h = held.computeIfAbsent(counters.get(i), k -> new AtomicLong());
      while (true) {
        long now = h.get();
        if (!fits(spent[i], now / UNIT, amount, limits[i])) {
          for (int j = 0; j < i; j++) {
            release(counters.get(j), units);
          }
          return i;
        }
        if (h.compareAndSet(now, now + units)) {
          break;
        }
      }
    }
    return -1;
  }

  double held(String counter) {
    AtomicLong h = held.get(counter);
    return h == null ? 0 : h.get() / UNIT;
  }

  void release(List<String> counters, double amount) {
    long units = Math.round(amount * UNIT);
    counters.forEach(c -> release(c, units));
  }

  private void release(String counter, long units) {
    AtomicLong h = held.get(counter);
    if (h != null) {
      h.addAndGet(-units);
    }
  }

  /** Forgets the counters of ended windows (their holds were released or belong to requests of a past window). */
  void forget(java.util.function.Predicate<String> ended) {
    held.keySet().removeIf(ended);
  }
}
