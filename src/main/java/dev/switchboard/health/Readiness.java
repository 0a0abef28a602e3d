package dev.switchboard.health;

import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

/**
 * Liveness and readiness checks. Liveness is only "the process answers"; readiness also needs the gateway to be
 * accepting traffic (not draining for shutdown) and at least one provider able to serve. The health issue adds
 * per-provider probing; the check names stay.
 */
public final class Readiness {
  private final HealthChecks liveness;
  private final HealthChecks readiness;
  private volatile boolean draining;

  public Readiness(Vertx vertx, ProviderRegistry providers) {
    this.liveness = HealthChecks.create(vertx).register("gateway", p -> p.complete(Status.OK()));
    this.readiness = HealthChecks.create(vertx)
        .register("accepting", p -> p.complete(draining
            ? Status.KO(new JsonObject().put("reason", "shutting down"))
            : Status.OK()))
        .register("providers", p -> {
          JsonObject detail = new JsonObject();
          boolean any = false;
          for (Provider provider : providers.all()) {
            detail.put(provider.id(), provider.enabled() ? "enabled"
                : "disabled: " + provider.config().disabledReason());
            any |= provider.enabled();
          }
          p.complete(any ? Status.OK(detail) : Status.KO(detail));
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
