package dev.switchboard.health;

import dev.switchboard.provider.Provider;
import dev.switchboard.routing.ProviderGuards;

/**
 * Whether a provider can take traffic now, as readiness and the status page judge it: enabled, not kept out by
 * health (down, maintenance) and not refused by its guard (circuit open, suspended, cooling down).
 */
public final class Availability {
  private final ProviderHealths healths;
  private final ProviderGuards guards;

  public Availability(ProviderHealths healths, ProviderGuards guards) {
    this.healths = healths;
    this.guards = guards;
  }

  /** Why a provider cannot serve now, or null when it can; the local provider always can when enabled. */
  public String problem(Provider p, long nowNanos) {
    if (!p.enabled()) {
      return "disabled: " + p.config().disabledReason();
    }
    if (p.isLocal()) {
      return null;
    }
    if (!healths.routable(p)) {
      ProviderHealth h = healths.of(p);
      return h.state().label() + ": " + h.reason();
    }
    return guards.of(p).refusal(nowNanos);
  }

  /** Whether health reports it answering but slow or erring. */
  public boolean degraded(Provider p) {
    return healths.watched(p) && healths.of(p).state() == ProviderHealth.State.DEGRADED;
  }
}
