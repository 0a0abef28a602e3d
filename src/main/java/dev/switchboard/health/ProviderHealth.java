package dev.switchboard.health;

import dev.switchboard.config.HealthConfig;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One provider's health: a state with its reason and timestamps, moved by active probes (the health verticle)
 * and passive signals from live traffic (every gateway event loop). The selector reads {@link #state()} on the hot
 * path: one volatile read of an immutable snapshot. Updates are CAS swaps, never locks.
 *
 * <p>Transitions need confirmation so one blip does not flap: {@code down_after} consecutive failures to go down,
 * {@code recover_after} consecutive successful probes to come back. Maintenance is set and lifted by an admin only.
 */
public final class ProviderHealth {
  public enum State {
    /** Never probed, or not probed successfully for too long: routable, but nobody vouches for it. */
    UNKNOWN,
    HEALTHY,
    /** Answering, but slow or with an elevated error rate. Routable. */
    DEGRADED,
    DOWN,
    MAINTENANCE;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the selector may send it traffic. */
    public boolean routable() {
      return this != DOWN && this != MAINTENANCE;
    }
  }

  /** A state change, for the event bus, metrics and logs. */
  public record Transition(String provider, State from, State to, String reason) {
  }

  /**
   * @param sinceMillis when the current state began
   * @param successes consecutive successful probes
   * @param failures consecutive failures (probes and live traffic)
   * @param lastProbeMillis when the last probe finished, 0 if never
   * @param lastProbeOkMillis when the last successful probe finished, 0 if never
   * @param lastProbeLatencyMillis latency of the last probe, -1 if none
   * @param lastProbeError what the last failed probe said, null after a success
   * @param sticky a reason that only a successful probe clears (quota exhausted, credentials refused)
   * @param passive down because live traffic opened the circuit, not confirmed by probes: the circuit breaker
   *     already keeps traffic away and lets its trials through, so the selector does not refuse it a second time
   * @param needsTrafficProbe down because live traffic's credentials were refused: a key may list models and still
   *     be refused a completion, so only a probe sending the kind of request live traffic sends (a completion), or an
   *     admin's enable, clears it
   */
  public record Snapshot(State state, String reason, long sinceMillis, int successes, int failures,
                         long lastProbeMillis, long lastProbeOkMillis, long lastProbeLatencyMillis,
                         String lastProbeError, boolean sticky, boolean passive, boolean needsTrafficProbe) {
  }

  private final String provider;
  /** The running generation's thresholds, read per decision: a reload changes them, the state carries over. */
  private final java.util.function.Supplier<HealthConfig> settings;
  private final long staleAfterMillis;
  /** Wall time: the timestamps are shown to admins, and staleness is judged against them. */
  private final Clock clock;
  private final Consumer<Transition> listener;
  private final AtomicReference<Snapshot> snapshot;

  public ProviderHealth(String provider, HealthConfig config, long staleAfterMillis, Clock clock,
                        Consumer<Transition> listener) {
    this(provider, () -> config, staleAfterMillis, clock, listener);
  }

  public ProviderHealth(String provider, java.util.function.Supplier<HealthConfig> settings, long staleAfterMillis,
                        Clock clock, Consumer<Transition> listener) {
    this.provider = provider;
    this.settings = settings;
    this.staleAfterMillis = staleAfterMillis;
    this.clock = clock;
    this.listener = listener;
    this.snapshot = new AtomicReference<>(new Snapshot(State.UNKNOWN, "not probed yet", clock.millis(),
        0, 0, 0, 0, -1, null, false, false, false));
  }

  public String provider() {
    return provider;
  }

  public Snapshot snapshot() {
    return snapshot.get();
  }

  /** The effective state now: a healthy or degraded provider whose last good probe is too old reads as unknown. */
  public State state() {
    Snapshot s = snapshot.get();
    if ((s.state() == State.HEALTHY || s.state() == State.DEGRADED) && s.lastProbeOkMillis() > 0
        && clock.millis() - s.lastProbeOkMillis() > staleAfterMillis) {
      return State.UNKNOWN;
    }
    return s.state();
  }

  /** The reason of the effective state. */
  public String reason() {
    State effective = state();
    Snapshot s = snapshot.get();
    return effective != s.state() ? "no successful probe for " + (clock.millis() - s.lastProbeOkMillis())
        / 1000 + " s (stale)" : s.reason();
  }

  /** A probe that is not a completion (a models listing) answered well. */
  public void probeSucceeded(long latencyMillis, String slowReason) {
    probeSucceeded(latencyMillis, slowReason, false);
  }

  /**
   * A probe answered well.
   *
   * @param slowReason non-null when the provider answers but too slowly or with too many live errors
   * @param likeTraffic the probe sent the kind of request live traffic sends (a completion), so its success also
   *     proves the key may serve it
   */
  public void probeSucceeded(long latencyMillis, String slowReason, boolean likeTraffic) {
    long now = clock.millis();
    update(s -> {
      if (s.state() == State.DOWN && s.needsTrafficProbe() && !likeTraffic) {
        // It answers, but not the request that was refused: recording the probe must not bring it back.
        return new Snapshot(s.state(), s.reason(), s.sinceMillis(), 0, s.failures(), now, now, latencyMillis, null,
            s.sticky(), s.passive(), true);
      }
      int successes = s.successes() + 1;
      State next = s.state();
      String reason = s.reason();
      boolean sticky = s.sticky();
      switch (s.state()) {
        case MAINTENANCE -> {
        }
        case DOWN -> {
          if (successes >= settings.get().recoverAfter()) {
            next = slowReason == null ? State.HEALTHY : State.DEGRADED;
            reason = slowReason == null ? successes + " successful probes" : slowReason;
            sticky = false;
          }
        }
        default -> {
          next = slowReason == null ? State.HEALTHY : State.DEGRADED;
          reason = slowReason == null ? "probe ok (" + latencyMillis + " ms)" : slowReason;
        }
      }
      return new Snapshot(next, reason, next == s.state() ? s.sinceMillis() : now, successes, 0, now, now,
          latencyMillis, null, sticky, next == State.DOWN && s.passive(), next == State.DOWN && s.needsTrafficProbe());
    });
  }

  /** A probe failed: unreachable, timed out, 5xx. */
  public void probeFailed(long latencyMillis, String error) {
    fail(error, latencyMillis, true, false);
  }

  /**
   * A probe or live reply said the provider cannot serve until something changes (quota or credit exhausted,
   * credentials refused): down at once, and only a successful probe brings it back.
   */
  public void markDown(String reason, boolean fromProbe) {
    markDown(reason, fromProbe, false);
  }

  /**
   * As {@link #markDown(String, boolean)}.
   *
   * @param needsTrafficProbe live traffic's credentials were refused: only a probe like that traffic (a completion)
   *     or an admin's enable brings it back, not a models listing that the same key may still be allowed
   */
  public void markDown(String reason, boolean fromProbe, boolean needsTrafficProbe) {
    long now = clock.millis();
    update(s -> s.state() == State.MAINTENANCE ? null
        : new Snapshot(State.DOWN, s.state() == State.DOWN && s.needsTrafficProbe() && !needsTrafficProbe
            ? s.reason() : reason, s.state() == State.DOWN ? s.sinceMillis() : now, 0, s.failures() + 1,
            fromProbe ? now : s.lastProbeMillis(), s.lastProbeOkMillis(), s.lastProbeLatencyMillis(),
            fromProbe ? reason : s.lastProbeError(), true, false,
            needsTrafficProbe || s.state() == State.DOWN && s.needsTrafficProbe()));
  }

  /** The circuit breaker opened on live traffic: the provider is failing now, no need to wait for a probe. */
  public void circuitOpened(String why) {
    fail("failing live traffic: " + why, -1, false, true);
  }

  /** The circuit closed again after successful trials: live traffic vouches for it. */
  public void circuitClosed() {
    long now = clock.millis();
    update(s -> s.state() != State.DOWN || !s.passive() ? null
        : new Snapshot(State.HEALTHY, "live traffic recovered (circuit closed)", now, 0, 0, s.lastProbeMillis(),
            s.lastProbeOkMillis(), s.lastProbeLatencyMillis(), s.lastProbeError(), false, false, false));
  }

  /** Whether the selector should keep traffic away: maintenance, or down as confirmed by probes or a hard signal. */
  public boolean refusesTraffic() {
    Snapshot s = snapshot.get();
    return s.state() == State.MAINTENANCE || s.state() == State.DOWN && !s.passive();
  }

  private void fail(String error, long latencyMillis, boolean fromProbe, boolean live) {
    long now = clock.millis();
    update(s -> {
      if (s.state() == State.MAINTENANCE) {
        return fromProbe ? new Snapshot(s.state(), s.reason(), s.sinceMillis(), 0, s.failures() + 1, now,
            s.lastProbeOkMillis(), latencyMillis, error, s.sticky(), false, false) : null;
      }
      int failures = s.failures() + 1;
      boolean down = s.state() == State.DOWN || live || failures >= settings.get().downAfter();
      State next = down ? State.DOWN : s.state();
      String reason = down && s.state() != State.DOWN ? error : s.reason();
      if (s.state() == State.DOWN && !s.sticky()) {
        reason = error;
      }
      return new Snapshot(next, reason, next == s.state() ? s.sinceMillis() : now, 0, failures,
          fromProbe ? now : s.lastProbeMillis(), s.lastProbeOkMillis(),
          fromProbe ? latencyMillis : s.lastProbeLatencyMillis(), fromProbe ? error : s.lastProbeError(),
          s.sticky() && s.state() == State.DOWN,
          // Live evidence alone stays passive; once probes fail too (or it was already confirmed), it is not.
          s.state() == State.DOWN ? s.passive() && !fromProbe : live,
          s.state() == State.DOWN && s.needsTrafficProbe());
    });
  }

  /** An admin takes the provider out of rotation. */
  public void maintenance(String reason) {
    long now = clock.millis();
    update(s -> new Snapshot(State.MAINTENANCE, reason, now, 0, 0, s.lastProbeMillis(), s.lastProbeOkMillis(),
        s.lastProbeLatencyMillis(), s.lastProbeError(), false, false, false));
  }

  /** An admin puts it back: unknown until the next probe says more. */
  public void enable(String reason) {
    long now = clock.millis();
    update(s -> new Snapshot(State.UNKNOWN, reason, now, 0, 0, s.lastProbeMillis(), s.lastProbeOkMillis(),
        s.lastProbeLatencyMillis(), s.lastProbeError(), false, false, false));
  }

  private void update(java.util.function.UnaryOperator<Snapshot> change) {
    while (true) {
      Snapshot s = snapshot.get();
      Snapshot next = change.apply(s);
      if (next == null) {
        return;
      }
      if (snapshot.compareAndSet(s, next)) {
        if (next.state() != s.state()) {
          listener.accept(new Transition(provider, s.state(), next.state(), next.reason()));
        }
        return;
      }
    }
  }
}
