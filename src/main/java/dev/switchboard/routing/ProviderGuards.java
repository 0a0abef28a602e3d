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

  /** Copied on write (reloads are rare), in config order; readers see one whole map. */
  private volatile Map<String, ProviderGuard> guards = Map.of();
  private final Clocks clocks;
  private final Vertx vertx;
  /** The running generation's routing section, which every guard reads its circuit and ramp settings from. */
  private final java.util.function.Supplier<RoutingConfig> routing;
  private final GatewayMetrics metrics;
  private final java.util.List<java.util.function.Consumer<CircuitBreaker.Transition>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public ProviderGuards(Vertx vertx, ProviderRegistry providers, RoutingConfig routing, GatewayMetrics metrics) {
    this(vertx, providers, routing, metrics, Clocks.SYSTEM);
  }

  /** @param clocks time of the slow-start ramps and the circuits' transition times */
  public ProviderGuards(Vertx vertx, ProviderRegistry providers, RoutingConfig routing, GatewayMetrics metrics,
                        Clocks clocks) {
    this(vertx, providers, () -> routing, metrics, clocks);
  }

  /** @param routing the running generation's routing section (see {@link dev.switchboard.config.LiveConfig}) */
  public ProviderGuards(Vertx vertx, ProviderRegistry providers, java.util.function.Supplier<RoutingConfig> routing,
                        GatewayMetrics metrics, Clocks clocks) {
    this.clocks = clocks;
    this.vertx = vertx;
    this.routing = routing;
    this.metrics = metrics;
    for (Provider p : providers.all()) {
      add(p);
    }
  }

  private synchronized void add(Provider p) {
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
    Map<String, ProviderGuard> next = new LinkedHashMap<>(guards);
    next.put(p.id(), guard);
    guards = Collections.unmodifiableMap(next);
    metrics.circuitState(p.id(), () -> guard.circuit().phase().ordinal());
  }

  /**
   * After a reload: a new provider gets a fresh guard; one that keeps its id keeps its guard (circuit, cooldown,
   * ramp), and a rotated key lifts a suspension its old key earned. A removed provider's guard stays until the
   * registry's {@link #release} (requests still open on it consult it).
   */
  public synchronized void reconcile(ProviderRegistry providers, ProviderRegistry.Changes changes) {
    for (String id : changes.added()) {
      if (guards.containsKey(id)) {
        guards.get(id).provider(providers.get(id));
      } else {
        add(providers.get(id));
      }
    }
    for (String id : changes.changed()) {
      ProviderGuard guard = guards.get(id);
      Provider now = providers.get(id);
      boolean newKey = !guard.provider().config().apiKey().equals(now.config().apiKey());
      guard.provider(now);
      if (newKey && guard.suspendedReason() != null) {
        guard.lift();
      }
    }
  }

  /** Forgets a removed provider's guard once nothing routes to it any more. */
  public synchronized void release(String providerId) {
    Map<String, ProviderGuard> next = new LinkedHashMap<>(guards);
    next.remove(providerId);
    guards = Collections.unmodifiableMap(next);
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
