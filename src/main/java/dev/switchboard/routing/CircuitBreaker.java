package dev.switchboard.routing;

import dev.switchboard.config.CircuitConfig;
import dev.switchboard.provider.ProviderStats;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One provider's circuit: closed (traffic flows), open (rejected until the open period ends) and half-open (a few
 * real requests try the provider; enough successes close it, one failure opens it again for twice as long).
 *
 * <p>Lock-free: the state is an immutable value swapped by CAS, so every gateway event loop can ask and report
 * without blocking. vertx-circuit-breaker wraps each call in its own future and timers per Vert.x context; the
 * gateway needs a shared, synchronous "may I?" in the selector instead, which this is.
 */
public final class CircuitBreaker {
  public enum Phase { CLOSED, OPEN, HALF_OPEN }

  /** A transition, for the event bus, metrics and logs. */
  public record Transition(String provider, Phase from, Phase to, String reason, long openForMillis) {
  }

  /**
   * @param untilNanos end of the open period (OPEN)
   * @param openForNanos length of the current/last open period, doubled after a failed trial
   * @param trials trial requests in flight (HALF_OPEN)
   * @param successes successful trials so far (HALF_OPEN)
   */
  private record State(Phase phase, long untilNanos, long openForNanos, int trials, int successes, long sinceMillis,
                       long epoch) {
  }

  /** A permit for an ordinary attempt while closed; trial permits are the half-open epoch (above 0). */
  public static final long NORMAL = 0;
  /** No permit: the circuit refuses. */
  public static final long DENIED = -1;

  private final String provider;
  /** The running generation's circuit settings, read per decision: a reload changes them, the state carries over. */
  private final java.util.function.Supplier<CircuitConfig> settings;
  private final ProviderStats stats;
  /** Wall time of the transitions ({@link #sinceMillis}); the decisions run on the callers' {@code nowNanos}. */
  private final Clock clock;
  private final Consumer<Transition> listener;
  private final AtomicReference<State> state;

  public CircuitBreaker(String provider, CircuitConfig config, ProviderStats stats, Clock clock,
                        Consumer<Transition> listener) {
    this(provider, () -> config, stats, clock, listener);
  }

  public CircuitBreaker(String provider, java.util.function.Supplier<CircuitConfig> settings, ProviderStats stats,
                        Clock clock, Consumer<Transition> listener) {
    this.provider = provider;
    this.settings = settings;
    this.stats = stats;
    this.clock = clock;
    this.listener = listener;
    this.state = new AtomicReference<>(new State(Phase.CLOSED, 0, 0, 0, 0, clock.millis(), 0));
  }

  /** Whether the selector may list this provider now (closed, half-open with a free trial, or open but expired). */
  public boolean admits(long nowNanos) {
    State s = state.get();
    return switch (s.phase()) {
      case CLOSED -> true;
      case OPEN -> nowNanos - s.untilNanos() >= 0;
      case HALF_OPEN -> s.trials() < settings.get().halfOpenRequests();
    };
  }

  /**
   * Takes the right to send one attempt: {@link #NORMAL} while closed, a trial permit (the half-open epoch) while
   * half-open with a free trial slot, {@link #DENIED} otherwise. Every permit must come back exactly once through
   * {@link #onSuccess}, {@link #onFailure} or {@link #onNeutral}; a result counts for the phase its permit was taken
   * in, so a long stream started while closed cannot close, reopen or free a slot of a later half-open phase.
   */
  public long acquire(long nowNanos) {
    while (true) {
      State s = state.get();
      switch (s.phase()) {
        case CLOSED:
          return NORMAL;
        case OPEN: {
          if (nowNanos - s.untilNanos() < 0) {
            return DENIED;
          }
          State next = new State(Phase.HALF_OPEN, 0, s.openForNanos(), 1, 0, clock.millis(),
              s.epoch() + 1);
          if (state.compareAndSet(s, next)) {
            publish(s, next, "open period over, trying " + settings.get().halfOpenRequests() + " request(s)");
            return next.epoch();
          }
          break;
        }
        default: {
          if (s.trials() >= settings.get().halfOpenRequests()) {
            return DENIED;
          }
          if (state.compareAndSet(s, new State(Phase.HALF_OPEN, 0, s.openForNanos(), s.trials() + 1, s.successes(),
              s.sinceMillis(), s.epoch()))) {
            return s.epoch();
          }
        }
      }
    }
  }

  /** {@link #acquire} for callers that only need to know whether they may go. */
  public boolean tryAcquire(long nowNanos) {
    return acquire(nowNanos) != DENIED;
  }

  private boolean currentTrial(State s, long permit) {
    return permit > 0 && s.phase() == Phase.HALF_OPEN && s.epoch() == permit;
  }

  /** @return true when this success closed the circuit (the provider is back) */
  public boolean onSuccess(long permit) {
    while (true) {
      State s = state.get();
      if (!currentTrial(s, permit)) {
        return false;
      }
      int successes = s.successes() + 1;
      State next = successes >= settings.get().halfOpenRequests()
          ? new State(Phase.CLOSED, 0, 0, 0, 0, clock.millis(), s.epoch())
          : new State(Phase.HALF_OPEN, 0, s.openForNanos(), Math.max(0, s.trials() - 1), successes, s.sinceMillis(),
              s.epoch());
      if (state.compareAndSet(s, next)) {
        if (next.phase() == Phase.CLOSED) {
          stats.resetWindow();
          publish(s, next, successes + " trial request(s) succeeded");
          return true;
        }
        return false;
      }
    }
  }

  /** A provider fault (unreachable, timeout, 5xx, broken reply). Call after {@link ProviderStats#failed()}. */
  public void onFailure(long permit, String what, long nowNanos) {
    while (true) {
      State s = state.get();
      State next;
      String reason;
      if (currentTrial(s, permit)) {
        long openFor = Math.min(settings.get().maxOpenFor().toNanos(), s.openForNanos() * 2);
        next = new State(Phase.OPEN, nowNanos + openFor, openFor, 0, 0, clock.millis(), s.epoch());
        reason = "trial request failed (" + what + ")";
      } else if (s.phase() == Phase.CLOSED && permit == NORMAL) {
        reason = tripReason(what);
        if (reason == null) {
          return;
        }
        long openFor = settings.get().openFor().toNanos();
        next = new State(Phase.OPEN, nowNanos + openFor, openFor, 0, 0, clock.millis(), s.epoch());
      } else {
        // A result from an earlier phase: the circuit has already judged past it.
        return;
      }
      if (state.compareAndSet(s, next)) {
        publish(s, next, reason);
        return;
      }
    }
  }

  private String tripReason(String what) {
    int consecutive = stats.consecutiveFailures();
    if (consecutive >= settings.get().failureThreshold()) {
      return consecutive + " consecutive failures (last: " + what + ")";
    }
    long[] w = stats.window();
    if (w[0] >= settings.get().minRequests() && (double) w[1] / w[0] >= settings.get().errorRate()) {
      return "error rate " + Math.round(100.0 * w[1] / w[0]) + "% over " + w[0] + " attempts (last: " + what + ")";
    }
    return null;
  }

  /** The attempt said nothing about the provider's health (client left, client error): frees its trial slot. */
  public void onNeutral(long permit) {
    while (true) {
      State s = state.get();
      if (!currentTrial(s, permit) || s.trials() == 0) {
        return;
      }
      if (state.compareAndSet(s, new State(Phase.HALF_OPEN, 0, s.openForNanos(), s.trials() - 1, s.successes(),
          s.sinceMillis(), s.epoch()))) {
        return;
      }
    }
  }

  /**
   * An active health probe got an answer: an open circuit goes half-open at once, so the provider's recovery is
   * judged by its trial requests now instead of after the rest of the open period. Other phases are left alone.
   *
   * @return true when this moved the circuit
   */
  public boolean probeSucceeded() {
    while (true) {
      State s = state.get();
      if (s.phase() != Phase.OPEN) {
        return false;
      }
      State next = new State(Phase.HALF_OPEN, 0, s.openForNanos(), 0, 0, clock.millis(), s.epoch() + 1);
      if (state.compareAndSet(s, next)) {
        publish(s, next, "health probe succeeded, trying " + settings.get().halfOpenRequests() + " request(s)");
        return true;
      }
    }
  }

  /**
   * Forces the circuit closed and forgets the provider's failure history (admin re-enable): even a circuit that is
   * still closed forgets its run of failures, or the first failure after the enable would open it again.
   */
  public void reset(String reason) {
    stats.resetWindow();
    State s = state.get();
    State next = new State(Phase.CLOSED, 0, 0, 0, 0, clock.millis(), s.epoch());
    if (s.phase() != Phase.CLOSED && state.compareAndSet(s, next)) {
      publish(s, next, reason);
    }
  }

  public Phase phase() {
    return state.get().phase();
  }

  /** Wall-clock millis of the last transition. */
  public long sinceMillis() {
    return state.get().sinceMillis();
  }

  /** Millis until an open circuit lets a trial through; 0 when not open. */
  public long millisUntilTrial(long nowNanos) {
    State s = state.get();
    return s.phase() == Phase.OPEN ? Math.max(0, (s.untilNanos() - nowNanos) / 1_000_000) : 0;
  }

  private void publish(State from, State to, String reason) {
    listener.accept(new Transition(provider, from.phase(), to.phase(), reason, to.openForNanos() / 1_000_000));
  }
}
