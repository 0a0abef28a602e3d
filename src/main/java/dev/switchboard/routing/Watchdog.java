package dev.switchboard.routing;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Enforces every running attempt's timeouts from one periodic tick per event loop, instead of arming and
 * cancelling several timers per request. Attempts sit in an intrusive list (no allocation to add or remove); a
 * tick checks each one's deadlines. Timeouts therefore fire up to one tick late, which is negligible next to
 * timeouts measured in seconds. Confined to its event loop.
 */
final class Watchdog {
  private static final Logger LOG = Logger.getLogger(Watchdog.class.getName());
  static final long TICK_MILLIS = 100;
  private final java.util.function.LongSupplier nanoClock;
  private Attempt head;

  /** @param nanoClock the request path's time, the one attempts stamp their progress with */
  Watchdog(java.util.function.LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  void add(Attempt attempt) {
    attempt.watchNext = head;
    attempt.watchPrev = null;
    if (head != null) {
      head.watchPrev = attempt;
    }
    head = attempt;
    attempt.watched = true;
  }

  void remove(Attempt attempt) {
    if (!attempt.watched) {
      return;
    }
    attempt.watched = false;
    if (attempt.watchPrev != null) {
      attempt.watchPrev.watchNext = attempt.watchNext;
    } else {
      head = attempt.watchNext;
    }
    if (attempt.watchNext != null) {
      attempt.watchNext.watchPrev = attempt.watchPrev;
    }
    attempt.watchNext = attempt.watchPrev = null;
  }

  void tick() {
    long now = nanoClock.getAsLong();
    Attempt a = head;
    while (a != null) {
      Attempt next = a.watchNext;
      try {
        a.checkDeadlines(now);
      } catch (RuntimeException e) {
        // One attempt's failure must not stop the others' timeouts.
        remove(a);
        LOG.log(Level.WARNING, "timeout check failed for an attempt", e);
      }
      a = next;
    }
  }
}
