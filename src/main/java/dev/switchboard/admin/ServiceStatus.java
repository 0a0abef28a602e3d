package dev.switchboard.admin;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.ServiceType;
import dev.switchboard.config.ModelConfig;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.config.TargetRef;
import dev.switchboard.health.Availability;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.ModelCatalog;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What a client banner shows: one level for the gateway, each service type and each model alias —
 * {@code healthy} (every real provider up), {@code degraded} (some down or answering slowly), {@code critical} (no
 * real provider can serve: only the local fallback answers, or nothing does) — with the provider that would serve
 * now, providers up/total and a sentence. Provider ids and levels only: no key, no reason text from upstream.
 * The overall level is the worst of the service types.
 */
public final class ServiceStatus {
  public enum Level {
    HEALTHY, DEGRADED, CRITICAL;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final SwitchboardConfig config;
  private final ProviderRegistry providers;
  private final Availability availability;
  private final LongSupplier nanoClock;
  private final Clock wall;
  /** The real providers whose API serves each service type, in config order; fixed by the config. */
  private final Map<ServiceType, List<Provider>> byService = new EnumMap<>(ServiceType.class);

  public ServiceStatus(SwitchboardConfig config, ProviderRegistry providers, Availability availability,
                       LongSupplier nanoClock, Clock wall) {
    this.config = config;
    this.providers = providers;
    this.availability = availability;
    this.nanoClock = nanoClock;
    this.wall = wall;
    for (ServiceType type : ServiceType.values()) {
      List<Provider> serving = new ArrayList<>();
      GatewayRequest sample = sample(type);
      for (Provider p : providers.all()) {
        if (!p.isLocal() && p.enabled() && p.unsupported(sample) == null) {
          serving.add(p);
        }
      }
      byService.put(type, serving);
    }
  }

  /** A minimal request of a type, to ask each adapter whether its API has that endpoint at all. */
  private static GatewayRequest sample(ServiceType type) {
    JsonObject body = new JsonObject().put("model", "status").put("input", "status").put("prompt", "status")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "status")));
    return new GatewayRequest("status", type.endpoint(), "status", false, false, body, Buffer.buffer(), null, null,
        null, 0);
  }

  public JsonObject describe() {
    long now = nanoClock.getAsLong();
    boolean firstRun = ModelCatalog.firstRunMode(providers);
    Provider localProvider = providers.all().stream().filter(p -> p.isLocal() && p.enabled()).findFirst().orElse(null);
    boolean localEnabled = localProvider != null;
    boolean localListed = config.models().values().stream().flatMap(m -> m.targets().stream())
        .anyMatch(t -> providers.get(t.provider()) != null && providers.get(t.provider()).isLocal());
    JsonObject services = new JsonObject();
    Level overall = Level.HEALTHY;
    for (ServiceType type : ServiceType.values()) {
      List<Provider> serving = byService.get(type);
      boolean local = localEnabled && (firstRun || localListed);
      if (serving.isEmpty() && !local) {
        continue;
      }
      JsonObject s = group(type.label() + " service", serving, local ? localProvider : null, now);
      services.put(type.label(), s);
      Level level = Level.valueOf(s.getString("status").toUpperCase(java.util.Locale.ROOT));
      overall = level.ordinal() > overall.ordinal() ? level : overall;
    }
    JsonObject models = new JsonObject();
    for (ModelConfig alias : config.models().values()) {
      Set<Provider> targets = new LinkedHashSet<>();
      Provider local = firstRun ? localProvider : null;
      for (TargetRef t : alias.targets()) {
        Provider p = providers.get(t.provider());
        if (p != null && p.isLocal()) {
          local = p.enabled() ? p : local;
        } else if (p != null && p.enabled()) {
          targets.add(p);
        }
      }
      models.put(alias.name(), group(alias.name(), new ArrayList<>(targets), local, now));
    }
    return new JsonObject()
        .put("status", overall.label())
        .put("message", switch (overall) {
          case HEALTHY -> "All services healthy.";
          case DEGRADED -> "Some providers are down or slow; requests are served by the others.";
          case CRITICAL -> "No real provider can serve at least one service.";
        })
        .put("updated_at", Instant.ofEpochMilli(wall.millis()).toString())
        .put("services", services)
        .put("models", models);
  }

  /** One service type or alias: its level, who serves now, how many are up, and a sentence for a banner. */
  /** @param local the local provider when it answers for this group, else null */
  private JsonObject group(String what, List<Provider> real, Provider local, long now) {
    boolean localFallback = local != null;
    int up = 0;
    boolean slow = false;
    Provider serving = null;
    for (Provider p : real) {
      if (availability.problem(p, now) == null) {
        up++;
        slow |= availability.degraded(p);
        serving = serving == null ? p : serving;
      }
    }
    Level level = up == 0 ? Level.CRITICAL : up < real.size() || slow ? Level.DEGRADED : Level.HEALTHY;
    String message;
    if (up == 0) {
      message = real.isEmpty() ? "No real provider is configured for " + what : "Every provider of " + what + " is down";
      message += localFallback ? "; only the local fallback answers (placeholder replies)." : ".";
    } else if (level == Level.DEGRADED) {
      message = up + " of " + real.size() + " providers of " + what + " up" + (slow ? ", some slow" : "")
          + "; powered by " + serving.id() + ".";
    } else {
      message = "All " + real.size() + " providers of " + what + " up; powered by " + serving.id() + ".";
    }
    return new JsonObject()
        .put("status", level.label())
        .put("provider", serving != null ? serving.id() : localFallback ? local.id() : null)
        .put("providers_up", up)
        .put("providers_total", real.size())
        .put("local_fallback", localFallback)
        .put("message", message);
  }
}
