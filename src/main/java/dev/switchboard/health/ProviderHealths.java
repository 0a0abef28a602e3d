package dev.switchboard.health;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.HealthConfig;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.CandidateGate;
import dev.switchboard.routing.CircuitBreaker;
import dev.switchboard.routing.FailureKind;
import dev.switchboard.routing.ProviderEvents;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.routing.Target;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The {@link ProviderHealth} of every provider, shared by the health verticle (probes) and the gateway event loops
 * (selection reads it; live traffic feeds it). Transitions are logged, counted and published on the event bus at
 * {@value #ADDRESS}.
 */
public final class ProviderHealths implements ProviderEvents {
  public static final String ADDRESS = "switchboard.health";
  private static final Logger LOG = Logger.getLogger(ProviderHealths.class.getName());

  /** The running generation's section: intervals and thresholds a reload changes are read from here. */
  private final java.util.function.Supplier<HealthConfig> settings;
  /** Copied on write (reloads are rare), in config order. */
  private volatile Map<String, ProviderHealth> healths = Map.of();
  /** Providers whose adapter has a probe request: only a probe can clear a down that probes or hard signals set. */
  private volatile java.util.Set<String> probeable = java.util.Set.of();
  private final ProviderGuards guards;
  private final Vertx vertx;
  private final GatewayMetrics metrics;
  private final Clocks clocks;

  public ProviderHealths(Vertx vertx, HealthConfig config, ProviderRegistry providers, ProviderGuards guards,
                         GatewayMetrics metrics) {
    this(vertx, config, providers, guards, metrics, Clocks.SYSTEM);
  }

  /** @param clocks time of the health states (since, last probe, staleness) */
  public ProviderHealths(Vertx vertx, HealthConfig config, ProviderRegistry providers, ProviderGuards guards,
                         GatewayMetrics metrics, Clocks clocks) {
    this(vertx, () -> config, providers, guards, metrics, clocks);
  }

  /** @param settings the running generation's health section (see {@link dev.switchboard.config.LiveConfig}) */
  public ProviderHealths(Vertx vertx, java.util.function.Supplier<HealthConfig> settings, ProviderRegistry providers,
                         ProviderGuards guards, GatewayMetrics metrics, Clocks clocks) {
    this.settings = settings;
    this.guards = guards;
    this.vertx = vertx;
    this.metrics = metrics;
    this.clocks = clocks;
    for (Provider p : providers.all()) {
      add(p);
    }
    guards.onTransition(this::circuitChanged);
  }

  private synchronized void add(Provider p) {
    java.util.Set<String> withProbe = new java.util.HashSet<>(probeable);
    if (!p.isLocal() && p.adapter() != null && p.adapter().probe(p.config().probe().mode(), "") != null) {
      withProbe.add(p.id());
    } else {
      withProbe.remove(p.id());
    }
    String id = p.id();
    ProviderHealth health = new ProviderHealth(id, settings, staleAfterMillis(p.config()), clocks.wall(), t -> {
      LOG.log(t.to().routable() ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING,
          "provider " + t.provider() + ": " + t.from().label() + " -> " + t.to().label() + " (" + t.reason() + ")");
      metrics.healthTransition(t.provider(), t.to().label());
      if (t.from() == ProviderHealth.State.DOWN && t.to().routable()) {
        // Whatever took it out (a spent quota, refused credentials) is evidently over.
        var guard = guards.get(id);
        if (guard != null) {
          guard.lift();
        }
      }
      vertx.eventBus().publish(ADDRESS, new JsonObject()
          .put("provider", t.provider())
          .put("from", t.from().label())
          .put("to", t.to().label())
          .put("reason", t.reason())
          .put("at", clocks.wall().millis()));
    });
    Map<String, ProviderHealth> next = new LinkedHashMap<>(healths);
    next.put(id, health);
    healths = Collections.unmodifiableMap(next);
    probeable = java.util.Set.copyOf(withProbe);
    metrics.providerUp(id, () -> {
      ProviderHealth.State s = health.state();
      return s == ProviderHealth.State.HEALTHY || s == ProviderHealth.State.DEGRADED ? 1 : 0;
    });
  }

  /**
   * After a reload: a new provider starts {@code unknown} (the health verticle probes it at once); one that keeps
   * its id keeps its health, also under a changed key or URL (the verticle probes it at once to check). A removed
   * provider's entry stays until {@link #release}.
   */
  public void reconcile(ProviderRegistry providers, ProviderRegistry.Changes changes) {
    changes.added().forEach(id -> add(providers.get(id)));
    changes.changed().forEach(id -> {
      Provider p = providers.get(id);
      // The probe request may differ under the new config (another type or probe mode).
      synchronized (this) {
        java.util.Set<String> withProbe = new java.util.HashSet<>(probeable);
        if (!p.isLocal() && p.adapter() != null && p.adapter().probe(p.config().probe().mode(), "") != null) {
          withProbe.add(id);
        } else {
          withProbe.remove(id);
        }
        probeable = java.util.Set.copyOf(withProbe);
      }
    });
  }

  /** Forgets a removed provider's health once nothing routes to it any more. */
  public synchronized void release(String providerId) {
    Map<String, ProviderHealth> next = new LinkedHashMap<>(healths);
    next.remove(providerId);
    healths = Collections.unmodifiableMap(next);
  }

  private long staleAfterMillis(ProviderConfig p) {
    long stale = settings.get().staleAfter().toMillis();
    if (p.probe().interval() != null) {
      stale = Math.max(stale, p.probe().interval().toMillis() * 3 + settings.get().timeout().toMillis() * 2);
    }
    return stale;
  }

  /**
   * Whether health state counts for this provider: probing is on and the provider is probed. A provider whose
   * adapter has no probe request (none yet for Anthropic, Gemini, Azure) is not: nothing would ever clear a down.
   */
  public boolean watched(Provider p) {
    return settings.get().enabled() && !p.isLocal() && p.enabled() && !"none".equals(p.config().probe().mode())
        && probeable.contains(p.id());
  }

  public ProviderHealth of(Provider provider) {
    return healths.get(provider.id());
  }

  public ProviderHealth get(String id) {
    return healths.get(id);
  }

  public Collection<ProviderHealth> all() {
    return healths.values();
  }

  public HealthConfig config() {
    return settings.get();
  }

  /** Whether the selector may send this provider traffic now, as far as health knows. */
  public boolean routable(Provider p) {
    ProviderHealth h = healths.get(p.id());
    // Maintenance is an admin's decision and holds even for providers that are not probed.
    return !h.refusesTraffic() || h.state() != ProviderHealth.State.MAINTENANCE && !watched(p);
  }

  /**
   * An active probe of {@code p} got an answer: its open circuit goes half-open at once, so a recovered provider is
   * not kept out for the rest of {@code open_for}; its trials still decide whether it closes.
   */
  public void probeAnswered(Provider p) {
    guards.of(p).circuit().probeSucceeded();
  }

  /** The selector's health gate: down and maintenance providers are not candidates. */
  public CandidateGate gate() {
    return new CandidateGate() {
      @Override
      public String refuse(Target target, GatewayRequest request, long nowNanos) {
        Provider p = target.provider();
        if (routable(p)) {
          return null;
        }
        ProviderHealth h = healths.get(p.id());
        return h.state().label() + " (" + h.reason() + ")";
      }

      @Override
      public boolean panicable(Target target, long nowNanos) {
        // Down because it failed (probes or traffic); not maintenance, refused credentials or a spent quota.
        ProviderHealth.Snapshot s = healths.get(target.provider().id()).snapshot();
        return s.state() == ProviderHealth.State.DOWN && !s.sticky();
      }

      @Override
      public long retryAfterMillis(Target target, long nowNanos) {
        return settings.get().downInterval().toMillis();
      }
    };
  }

  // ---- passive signals from live traffic ------------------------------------------------------------------------

  @Override
  public void attemptFailed(Provider provider, FailureKind kind, String label) {
    if (!watched(provider)) {
      return;
    }
    ProviderHealth h = healths.get(provider.id());
    switch (kind) {
      // A key may list models and still be refused a completion: only a probe like live traffic clears this.
      case AUTH -> h.markDown("credentials refused (HTTP " + label + ")"
          + (provider.config().probe().likeTraffic() ? ""
          : "; a models listing does not prove the key may serve requests: enable the provider once it is fixed"),
          false, true);
      case QUOTA -> h.markDown("quota or credit exhausted (HTTP " + label + ")", false);
      default -> {
        // Other failures reach health through the circuit breaker: it opening is the live "down" signal.
      }
    }
  }

  @Override
  public void attemptSucceeded(Provider provider) {
  }

  private void circuitChanged(CircuitBreaker.Transition t) {
    ProviderHealth h = healths.get(t.provider());
    if (h == null || !watched(guards.get(t.provider()).provider())) {
      // An unprobed provider's health is not tracked: its circuit speaks for itself.
      return;
    }
    if (t.to() == CircuitBreaker.Phase.OPEN) {
      h.circuitOpened(t.reason());
    } else if (t.to() == CircuitBreaker.Phase.CLOSED) {
      h.circuitClosed();
    }
  }
}
