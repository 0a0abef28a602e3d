package dev.switchboard.routing;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The global bound on hedged attempts (a retry budget in the Finagle/Envoy sense): every hedge-eligible request
 * deposits {@code budget} of a hedge, every hedge withdraws a whole one, and the balance never exceeds {@code burst}.
 * Over any run of requests, hedges are therefore at most {@code budget} × requests + {@code burst}: at 0.1 hedging
 * never adds more than 10 % extra attempts, however slow the providers get. No clock needed.
 *
 * <p>Thread-safe: one CAS-updated balance, in thousandths of a hedge, shared by every event loop.
 */
final class HedgeBudget {
  private final long depositMilli;
  private final long capMilli;
  private final AtomicLong balanceMilli;

  HedgeBudget(double budget, int burst) {
    this.depositMilli = Math.round(budget * 1000);
    this.capMilli = Math.max(1000L * burst, depositMilli);
    this.balanceMilli = new AtomicLong(capMilli);
  }

  /** A request that could be hedged: earns its share of a hedge. */
  void deposit() {
    balanceMilli.updateAndGet(b -> Math.min(capMilli, b + depositMilli));
  }

  /** Takes one hedge if the budget allows it. */
  boolean tryTake() {
    while (true) {
      long b = balanceMilli.get();
      if (b < 1000) {
        return false;
      }
      if (balanceMilli.compareAndSet(b, b - 1000)) {
        return true;
      }
    }
  }

  /** Gives back a hedge taken but not started (the candidate turned out to be unavailable). */
  void refund() {
    balanceMilli.updateAndGet(b -> Math.min(capMilli, b + 1000));
  }
}
