package dev.switchboard.admin;

import dev.switchboard.config.ModelConfig;
import dev.switchboard.config.StatusConfig;
import dev.switchboard.health.Availability;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.provider.Provider;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.Route;
import dev.switchboard.routing.Target;
import dev.switchboard.usage.RequestStats;
import dev.switchboard.usage.StatsSummary;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Advice for the operator, computed on request from live state, each with the numbers behind it:
 * {@code primary_down} (an alias's first target cannot serve), {@code provider_slow} (p95 latency in the stats window
 * at least {@code status.slow_factor} times an alternative's for the same alias), {@code close_to_quota} (rate-limit
 * headroom below 1 − {@code usage.alert_threshold}), {@code close_to_budget} (a provider budget used beyond
 * {@code usage.alert_threshold}) and {@code cheaper_provider} (an available target of the same alias with at least
 * the quality of the one serving first, at a lower blended price). Advice only: nothing here changes routing.
 */
final class Recommendations {
  private final AdminServices services;
  private final ModelCatalog catalog;
  private final RequestStats stats;
  private final Availability availability;
  private final LongSupplier nanoClock;

  Recommendations(AdminServices services, ModelCatalog catalog, RequestStats stats, LongSupplier nanoClock) {
    this.services = services;
    this.catalog = catalog;
    this.stats = stats;
    this.availability = new Availability(services.health(), services.guards());
    this.nanoClock = nanoClock;
  }

  JsonObject describe() {
    long now = nanoClock.getAsLong();
    JsonArray out = new JsonArray();
    StatusConfig config = services.config().status();
    double alert = services.config().usage().alertThreshold();
    for (ModelConfig alias : services.config().models().values()) {
      List<Target> targets = real(alias.name());
      if (targets.size() < 2) {
        continue;
      }
      primaryDown(out, alias.name(), targets, now);
      slow(out, alias.name(), targets, config);
      cheaper(out, alias.name(), targets, now);
    }
    quotas(out, alert);
    budgets(out, alert);
    return new JsonObject().put("object", "list").put("data", out);
  }

  private List<Target> real(String alias) {
    Route route = catalog.resolve(alias).orElse(null);
    List<Target> out = new ArrayList<>();
    if (route != null) {
      for (Target t : route.targets()) {
        if (!t.provider().isLocal() && t.provider().enabled()) {
          out.add(t);
        }
      }
    }
    return out;
  }

  private Target firstUp(List<Target> targets, long now) {
    return targets.stream().filter(t -> availability.problem(t.provider(), now) == null).findFirst().orElse(null);
  }

  private void primaryDown(JsonArray out, String alias, List<Target> targets, long now) {
    Provider primary = targets.get(0).provider();
    String problem = availability.problem(primary, now);
    if (problem == null) {
      return;
    }
    Target serving = firstUp(targets, now);
    ProviderHealths health = services.health();
    long since = health.watched(primary) ? health.of(primary).snapshot().sinceMillis() : -1;
    long up = targets.stream().filter(t -> availability.problem(t.provider(), now) == null).count();
    out.add(advice("primary_down", "critical", alias, primary.id(),
        "The primary provider " + primary.id() + " of " + alias + " is unavailable (" + problem + "); "
            + (serving == null ? "no other provider can serve it." : "requests go to " + serving.provider().id()
            + ". Check its status or make " + serving.provider().id() + " the primary."),
        new JsonObject().put("problem", problem).put("since", since < 0 ? null : java.time.Instant.ofEpochMilli(since)
                .toString()).put("serving", serving == null ? null : serving.provider().id())
            .put("providers_up", up).put("providers_total", targets.size())));
  }

  private void slow(JsonArray out, String alias, List<Target> targets, StatusConfig config) {
    for (Target t : targets) {
      StatsSummary mine = stats.providerWindow(t.provider().id());
      if (mine.requests() < config.minSamples()) {
        continue;
      }
      Target fastest = null;
      double best = Double.MAX_VALUE;
      long bestRequests = 0;
      for (Target o : targets) {
        StatsSummary theirs = stats.providerWindow(o.provider().id());
        if (o.provider() != t.provider() && theirs.requests() >= config.minSamples() && theirs.p95Millis() < best) {
          best = theirs.p95Millis();
          bestRequests = theirs.requests();
          fastest = o;
        }
      }
      double p95 = mine.p95Millis();
      if (fastest != null && p95 >= config.slowFactor() * best) {
        out.add(advice("provider_slow", "warning", alias, t.provider().id(),
            "Provider " + t.provider().id() + " is slow for " + alias + ": p95 " + Math.round(p95) + " ms against "
                + Math.round(best) + " ms at " + fastest.provider().id() + "; consider switching.",
            new JsonObject().put("p95_ms", round(p95)).put("requests", mine.requests())
                .put("alternative", fastest.provider().id()).put("alternative_p95_ms", round(best))
                .put("alternative_requests", bestRequests).put("ratio", round(p95 / best))
                .put("slow_factor", config.slowFactor())
                .put("window_ms", config.statsWindow().toMillis())));
      }
    }
  }

  private void cheaper(JsonArray out, String alias, List<Target> targets, long now) {
    Target current = firstUp(targets, now);
    if (current == null || current.price() == null) {
      return;
    }
    Target cheapest = null;
    for (Target o : targets) {
      if (o != current && o.price() != null && o.quality() >= current.quality()
          && o.price().blended() < current.price().blended() && availability.problem(o.provider(), now) == null
          && (cheapest == null || o.price().blended() < cheapest.price().blended())) {
        cheapest = o;
      }
    }
    if (cheapest == null) {
      return;
    }
    double saving = 1 - cheapest.price().blended() / current.price().blended();
    out.add(advice("cheaper_provider", "info", alias, current.provider().id(),
        "Provider " + cheapest.provider().id() + " serves " + alias + " at the same or better quality ("
            + cheapest.quality() + " vs " + current.quality() + ") for " + Math.round(saving * 100)
            + "% less than " + current.provider().id() + "; consider preferring it.",
        new JsonObject().put("price_per_1m", round(current.price().blended()))
            .put("quality", current.quality())
            .put("alternative", cheapest.provider().id())
            .put("alternative_model", cheapest.model())
            .put("alternative_price_per_1m", round(cheapest.price().blended()))
            .put("alternative_quality", cheapest.quality())
            .put("saving", round(saving))));
  }

  private void quotas(JsonArray out, double alert) {
    JsonArray buckets = services.limiter().describe().getJsonArray("providers", new JsonArray());
    for (int i = 0; i < buckets.size(); i++) {
      JsonObject b = buckets.getJsonObject(i);
      double headroom = b.getDouble("headroom", 1.0);
      if (headroom < 1 - alert) {
        String provider = b.getString("provider");
        out.add(advice("close_to_quota", "warning", null, provider,
            "Provider " + provider + " is close to its rate limit (" + Math.round(headroom * 100)
                + "% headroom left in " + b.getString("bucket") + "); spread traffic or raise its limit.",
            new JsonObject().put("bucket", b.getString("bucket")).put("headroom", headroom)
                .put("requests", b.getJsonObject("requests")).put("tokens", b.getJsonObject("tokens"))
                .put("threshold", round(1 - alert))));
      }
    }
  }

  private void budgets(JsonArray out, double alert) {
    JsonArray budgets = services.usage().budgets().getJsonArray("data", new JsonArray());
    for (int i = 0; i < budgets.size(); i++) {
      JsonObject b = budgets.getJsonObject(i);
      Double used = b.getDouble("used");
      if (!"provider".equals(b.getString("scope")) || used == null || used < alert) {
        continue;
      }
      String provider = b.getString("name");
      out.add(advice("close_to_budget", used >= 1 ? "critical" : "warning", null, provider,
          "Provider " + provider + " has used " + Math.round(used * 100) + "% of its " + b.getString("period")
              + " budget" + (used >= 1 ? " and is skipped until " + b.getString("resets") : "") + ".",
          new JsonObject().put("period", b.getString("period")).put("spent", b.getDouble("spent"))
              .put("budget", b.getDouble("budget")).put("used", used).put("threshold", alert)
              .put("resets", b.getString("resets"))));
    }
  }

  private static JsonObject advice(String type, String severity, String model, String provider, String message,
                                   JsonObject evidence) {
    return new JsonObject().put("type", type).put("severity", severity).put("model", model).put("provider", provider)
        .put("message", message).put("evidence", evidence);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
