package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.RoutingConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The {@link ProviderGuard} of every provider, built once. Circuit transitions are control-plane events: they are
 * logged, counted and published on the event bus at {@value #CIRCUIT_ADDRESS}.
 */
public final class ProviderGuards {
  public static final String CIRCUIT_ADDRESS = "switchboard.circuit";
  private static final Logger LOG = Logger.getLogger(ProviderGuards.class.getName());

  private final Map<String, ProviderGuard> guards;
  private final Clocks clocks;
  private final java.util.List<java.util.function.Consumer<CircuitBreaker.Transition>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public ProviderGuards(Vertx vertx, ProviderRegistry providers, RoutingConfig routing, GatewayMetrics metrics) {
    this(vertx, providers, routing, metrics, Clocks.SYSTEM);
  }

  /** @param clocks time of the slow-start ramps and the circuits' transition times */
  public ProviderGuards(Vertx vertx, ProviderRegistry providers, RoutingConfig routing, GatewayMetrics metrics,
                        Clocks clocks) {
    this.clocks = clocks;
    Map<String, ProviderGuard> map = new LinkedHashMap<>();
    for (Provider p : providers.all()) {
      ProviderGuard guard = new ProviderGuard(p, routing, clocks.nanoTime(), clocks.wall(), t -> {
        LOG.warning("provider " + t.provider() + ": circuit " + t.from().name().toLowerCase() + " -> "
            + t.to().name().toLowerCase() + " (" + t.reason() + ")");
        metrics.circuitTransition(t.provider(), t.to().name().toLowerCase());
        vertx.eventBus().publish(CIRCUIT_ADDRESS, new JsonObject()
            .put("provider", t.provider())
            .put("from", t.from().name().toLowerCase())
            .put("to", t.to().name().toLowerCase())
            .put("reason", t.reason())
            .put("open_for_ms", t.openForMillis())
            .put("at", clocks.wall().millis()));
        listeners.forEach(l -> l.accept(t));
      });
      map.put(p.id(), guard);
      metrics.circuitState(p.id(), () -> guard.circuit().phase().ordinal());
    }
    this.guards = Collections.unmodifiableMap(map);
  }

  /**
   * The time the guards stamp their cooldowns, ramps and circuits with: the request path (selector, failover chain,
   * attempts) reads the same clock, so its comparisons with what the guards stored never mix two time bases.
   */
  public Clocks clocks() {
    return clocks;
  }

  /** Also tells {@code listener} about every circuit transition (e.g. health marks a provider down). */
  public void onTransition(java.util.function.Consumer<CircuitBreaker.Transition> listener) {
    listeners.add(listener);
  }

  public ProviderGuard of(Provider provider) {
    return guards.get(provider.id());
  }

  public ProviderGuard get(String providerId) {
    return guards.get(providerId);
  }

  public Collection<ProviderGuard> all() {
    return guards.values();
  }
}
