package dev.switchboard.routing;

import dev.switchboard.config.RoutingConfig;
import dev.switchboard.provider.Provider;

import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What routing knows about whether one provider may be sent traffic now, learnt from live traffic: its circuit
 * breaker, a cooldown after a rate limit with a long wait or a spent quota, a suspension after the provider refused
 * Switchboard's credentials, and the slow-start ramp of a provider coming back. Shared by every event loop; all
 * fields are lock-free.
 */
public final class ProviderGuard {
  /** A spent quota is not noticed to be refilled without probing; until the health issue probes, retry after this. */
  static final long QUOTA_COOLDOWN_MILLIS = 5 * 60_000;

  /** Replaced when a reload changes the provider's config; its stats (which the circuit reads) carry over. */
  private volatile Provider provider;
  private final CircuitBreaker circuit;
  private final java.util.function.Supplier<RoutingConfig> routing;
  /** Starts the slow-start ramp when the circuit closes or a suspension lifts, which bring no {@code nowNanos}. */
  private final LongSupplier nanoClock;
  private volatile String suspended;
  private volatile long cooldownUntilNanos;
  private volatile String cooldownReason;
  /** Whether the current cooldown is one the provider asked for with a rate limit (429), not a spent quota. */
  private volatile boolean cooldownForRateLimit;
  /** Start of the current slow-start ramp; 0 = none (full share). */
  private volatile long rampStartNanos;

  ProviderGuard(Provider provider, RoutingConfig routing, LongSupplier nanoClock, Clock clock,
                Consumer<CircuitBreaker.Transition> listener) {
    this(provider, () -> routing, nanoClock, clock, listener);
  }

  /** @param routing the running generation's routing section: circuit settings and ramp length are read from it */
  ProviderGuard(Provider provider, java.util.function.Supplier<RoutingConfig> routing, LongSupplier nanoClock,
                Clock clock, Consumer<CircuitBreaker.Transition> listener) {
    this.provider = provider;
    this.routing = routing;
    this.nanoClock = nanoClock;
    this.circuit = new CircuitBreaker(provider.id(), () -> routing.get().circuit(), provider.stats(), clock, t -> {
      if (t.to() == CircuitBreaker.Phase.CLOSED) {
        startRamp();
      }
      listener.accept(t);
    });
  }

  public Provider provider() {
    return provider;
  }

  void provider(Provider changed) {
    this.provider = changed;
  }

  public CircuitBreaker circuit() {
    return circuit;
  }

  /** Null when the provider may be tried now, otherwise why not, e.g. "circuit open". */
  public String refusal(long nowNanos) {
    String s = suspended;
    if (s != null) {
      return s;
    }
    long until = cooldownUntilNanos;
    if (until != 0 && nowNanos - until < 0) {
      return cooldownReason;
    }
    if (!circuit.admits(nowNanos)) {
      return "circuit open";
    }
    return null;
  }

  /**
   * Whether the only reason to refuse the provider now is its circuit (no suspension, no cooldown): live traffic's
   * judgement, which panic routing may override when every candidate is refused.
   */
  public boolean refusedOnlyByCircuit(long nowNanos) {
    long until = cooldownUntilNanos;
    return suspended == null && (until == 0 || nowNanos - until >= 0) && !circuit.admits(nowNanos);
  }

  /** When a refused provider may be tried again, in millis from now; -1 if unknown (suspended). */
  public long millisUntilAvailable(long nowNanos) {
    if (suspended != null) {
      return -1;
    }
    long wait = circuit.millisUntilTrial(nowNanos);
    long until = cooldownUntilNanos;
    if (until != 0 && nowNanos - until < 0) {
      wait = Math.max(wait, (until - nowNanos) / 1_000_000);
    }
    return wait;
  }

  /**
   * Takes the provider out until an admin re-enables it: its credentials were refused, and every request sent
   * until the config changes would fail the same way.
   */
  public void suspend(String reason) {
    suspended = reason;
  }

  public String suspendedReason() {
    return suspended;
  }

  /** Skips the provider until {@code millis} from now (a long Retry-After, an exhausted quota). */
  public void coolDown(long millis, String reason, long nowNanos) {
    coolDown(millis, reason, false, nowNanos);
  }

  /** @param rateLimit whether the provider asked for the pause with a 429 (a rate limit, not an outage) */
  public void coolDown(long millis, String reason, boolean rateLimit, long nowNanos) {
    cooldownReason = reason;
    cooldownForRateLimit = rateLimit;
    cooldownUntilNanos = nowNanos + millis * 1_000_000;
    startRamp();
  }

  /** Lifts a suspension, a cooldown and an open circuit (admin re-enable or a successful probe). */
  public void restore(String reason) {
    suspended = null;
    cooldownUntilNanos = 0;
    circuit.reset(reason);
  }

  /** Lifts a suspension and a cooldown, leaving the circuit to judge live traffic (a probe succeeded again). */
  public void lift() {
    suspended = null;
    if (cooldownUntilNanos != 0) {
      cooldownUntilNanos = 0;
      startRamp();
    }
  }

  public String cooldownReason() {
    return cooldownReason;
  }

  /** Whether the provider is cooling down now because it rate-limited Switchboard (429). */
  public boolean coolingDownForRateLimit(long nowNanos) {
    return cooldownForRateLimit && cooldownRemainingMillis(nowNanos) > 0;
  }

  public long cooldownRemainingMillis(long nowNanos) {
    long until = cooldownUntilNanos;
    return until != 0 && nowNanos - until < 0 ? (until - nowNanos) / 1_000_000 : 0;
  }

  private void startRamp() {
    long slowStartNanos = routing.get().slowStart().toNanos();
    if (slowStartNanos > 0) {
      rampStartNanos = nanoClock.getAsLong();
    }
  }

  /**
   * Share of its normal traffic a returning provider gets now: from 10% right after it came back to 100% once
   * the slow-start period is over, so one recovery does not meet the full load at once.
   */
  public double rampShare(long nowNanos) {
    long start = rampStartNanos;
    if (start == 0) {
      return 1;
    }
    long cooldownUntil = cooldownUntilNanos;
    if (cooldownUntil != 0 && cooldownUntil - start > 0) {
      start = cooldownUntil;
    }
    long slowStartNanos = routing.get().slowStart().toNanos();
    double share = slowStartNanos <= 0 ? 1 : (double) (nowNanos - start) / slowStartNanos;
    if (share >= 1) {
      rampStartNanos = 0;
      return 1;
    }
    return Math.max(0.1, share);
  }
}
