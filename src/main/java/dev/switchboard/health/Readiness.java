package dev.switchboard.health;

import dev.switchboard.config.ModelConfig;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.config.TargetRef;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.ProviderGuards;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

/**
 * Liveness and readiness checks. Liveness is only "the process answers". Readiness also needs the gateway to be
 * accepting traffic (not draining for shutdown) and providers able to serve: with {@code health.ready_requires:
 * any} (default) at least one real provider (the local one counts only in first-run mode, when no real provider is
 * enabled, and the check then reports {@code "degraded": true}), with {@code every-model} a real provider for every
 * configured alias and every model a provider lists by name.
 */
public final class Readiness {
  private final HealthChecks liveness;
  private final HealthChecks readiness;
  private final ProviderRegistry providers;
  private final ProviderHealths healths;
  private final Availability availability;
  private final SwitchboardConfig config;
  private volatile boolean draining;

  public Readiness(Vertx vertx, SwitchboardConfig config, ProviderRegistry providers, ProviderHealths healths,
                   ProviderGuards guards) {
    this.config = config;
    this.providers = providers;
    this.healths = healths;
    this.availability = new Availability(healths, guards);
    this.liveness = HealthChecks.create(vertx).register("gateway", p -> p.complete(Status.OK()));
    this.readiness = HealthChecks.create(vertx)
        .register("accepting", p -> p.complete(draining
            ? Status.KO(new JsonObject().put("reason", "shutting down"))
            : Status.OK()))
        .register("providers", p -> {
          JsonObject detail = new JsonObject();
          boolean anyReal = false;
          boolean anyLocal = false;
          for (Provider provider : providers.all()) {
            String problem = problem(provider);
            detail.put(provider.id(), problem != null ? problem
                : healths.watched(provider) ? healths.of(provider).state().label() : "enabled");
            anyReal |= problem == null && !provider.isLocal();
            anyLocal |= problem == null && provider.isLocal();
          }
          // First-run mode (no real provider enabled) answers everything locally: ready, but says it is degraded.
          // Once a real provider is configured, only a real one that can serve makes the instance ready.
          boolean firstRun = ModelCatalog.firstRunMode(providers);
          boolean any = firstRun ? anyLocal : anyReal;
          if (firstRun) {
            detail.put("degraded", true);
          }
          if ("every-model".equals(config.health().readyRequires())) {
            JsonObject unservable = unservableModels();
            if (!unservable.isEmpty()) {
              detail.put("unservable_models", unservable);
              p.complete(Status.KO(detail));
              return;
            }
          }
          p.complete(any ? Status.OK(detail) : Status.KO(detail));
        });
  }

  /** Why a provider cannot serve now, or null when it can. */
  private String problem(Provider p) {
    return availability.problem(p, System.nanoTime());
  }

  /** Configured model names with no real provider able to serve them now, each with why not. */
  private JsonObject unservableModels() {
    JsonObject out = new JsonObject();
    for (ModelConfig alias : config.models().values()) {
      boolean ok = false;
      for (TargetRef t : alias.targets()) {
        Provider p = providers.get(t.provider());
        ok |= p != null && !p.isLocal() && problem(p) == null;
      }
      if (!ok) {
        out.put(alias.name(), "no target can serve it");
      }
    }
    for (Provider p : providers.all()) {
      if (p.isLocal() || !p.enabled()) {
        continue;
      }
      for (String m : p.config().models()) {
        if (m.endsWith("*") || out.containsKey(m)) {
          continue;
        }
        boolean ok = providers.all().stream().anyMatch(o -> !o.isLocal() && o.serves(m) && problem(o) == null);
        if (!ok) {
          out.put(m, "no provider can serve it");
        }
      }
    }
    return out;
  }

  /**
   * Adds the rate limiter's shared store to readiness: a fallback to local buckets keeps the instance ready (and
   * says so); with {@code on_failure: closed} an unreachable store makes it unready, since it refuses limited traffic.
   */
  public void rateLimitStore(java.util.function.BooleanSupplier healthy, java.util.function.Supplier<String> describe,
                             boolean failOpen) {
    readiness.register("ratelimit", p -> {
      JsonObject detail = new JsonObject().put("backend", describe.get());
      p.complete(healthy.getAsBoolean() || failOpen ? Status.OK(detail) : Status.KO(detail));
    });
  }

  public HealthChecks liveness() {
    return liveness;
  }

  public HealthChecks readiness() {
    return readiness;
  }

  public void draining() {
    draining = true;
  }

  public boolean isDraining() {
    return draining;
  }
}
