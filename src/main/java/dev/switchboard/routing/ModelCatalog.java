package dev.switchboard.routing;

import dev.switchboard.config.ModelConfig;
import dev.switchboard.config.RoutingStrategy;
import dev.switchboard.config.ScoreWeights;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.config.TargetRef;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps model names to routes. Aliases come from config; a provider's own model names route to every provider
 * that lists them. Built once from the config; exact names are precomputed so the hot path is one map lookup.
 *
 * <p>The local provider answers only where the operator asked for it: as a target listed in an alias, or as the
 * fallback for every known model in <em>first-run mode</em>, when no real provider is enabled at all. Once a real
 * provider is enabled, a model it cannot serve fails visibly (503 no_provider_available, 404 when unknown) instead
 * of getting a degraded 200.
 */
public final class ModelCatalog {
  private final ProviderRegistry providers;
  private static final int MAX_PATTERN_ROUTES = 10_000;
  private final long created = System.currentTimeMillis() / 1000;
  /**
   * The routes of one config. A reload swaps the whole table in one volatile write: a request resolves its route
   * once, against one table, and keeps the route (with its providers) to its end.
   */
  private volatile Tables tables;

  private static final class Tables {
    final Map<String, Route> exact = new HashMap<>();
    final java.util.concurrent.ConcurrentHashMap<String, Route> patternRoutes =
        new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, String> ownerOf = new LinkedHashMap<>();
    final List<Provider> patternProviders = new ArrayList<>();
    final Provider fallback;

    Tables(Provider fallback) {
      this.fallback = fallback;
    }
  }

  public ModelCatalog(SwitchboardConfig config, ProviderRegistry providers) {
    this.providers = providers;
    this.tables = build(config, providers);
  }

  /** Rebuilds the routes from {@code config} over the registry's current providers (after a reload applied them). */
  public void rebuild(SwitchboardConfig config) {
    this.tables = build(config, providers);
  }

  private static Tables build(SwitchboardConfig config, ProviderRegistry providers) {
    Tables t = new Tables(firstRunMode(providers) ? providers.all().stream()
        .filter(p -> p.isLocal() && p.enabled() && p.config().fallback()).findFirst().orElse(null) : null);
    Map<String, List<Target>> byName = new LinkedHashMap<>();
    for (Provider p : providers.all()) {
      for (String m : p.config().models()) {
        if (m.endsWith("*")) {
          if (!t.patternProviders.contains(p)) {
            t.patternProviders.add(p);
          }
        } else {
          byName.computeIfAbsent(m, k -> new ArrayList<>()).add(Target.of(p, m));
          t.ownerOf.putIfAbsent(m, p.id());
        }
      }
    }
    byName.forEach((name, targets) -> t.exact.put(name, route(name, false, withFallback(t, name, targets), null,
        null)));
    for (ModelConfig alias : config.models().values()) {
      List<Target> targets = new ArrayList<>();
      for (TargetRef ref : alias.targets()) {
        Provider p = providers.get(ref.provider());
        targets.add(new Target(p, ref.model(), ref.weight() == null ? p.config().weight() : ref.weight(),
            ref.quality() == null ? p.config().quality() : ref.quality(),
            ref.contextWindow() > 0 ? ref.contextWindow() : Target.contextWindowOf(p, ref.model()),
            p.config().price(ref.model()), false));
      }
      t.exact.put(alias.name(), new Route(alias.name(), true, withFallback(t, alias.name(), targets),
          alias.strategy(), alias.weights(), alias.firstToken(), alias.hedge(), alias.resume()));
      t.ownerOf.put(alias.name(), "switchboard");
    }
    return t;
  }

  /** True when no real (non-local) provider is enabled: the gateway can only answer locally, marked degraded. */
  public static boolean firstRunMode(ProviderRegistry providers) {
    return providers.all().stream().noneMatch(p -> !p.isLocal() && p.enabled());
  }

  /** Whether every answer can only come from the local fallback (no real provider enabled). */
  public boolean degraded() {
    return tables.fallback != null;
  }

  private static Route route(String name, boolean alias, List<Target> targets, RoutingStrategy strategy,
                             ScoreWeights weights) {
    return new Route(name, alias, targets, strategy, weights);
  }

  /** Adds the local fallback, for when no real provider can be tried; a local target listed in config stays as is. */
  private static List<Target> withFallback(Tables t, String name, List<Target> targets) {
    Provider fallback = t.fallback;
    if (fallback == null || targets.stream().anyMatch(x -> x.provider().isLocal())) {
      return targets;
    }
    List<Target> out = new ArrayList<>(targets);
    out.add(Target.of(fallback, name).asFallbackOnly());
    return out;
  }

  /** The route for a requested model name, or empty when no configured provider knows it. */
  public Optional<Route> resolve(String model) {
    Tables t = tables;
    Map<String, Route> exact = t.exact;
    Map<String, Route> patternRoutes = t.patternRoutes;
    Provider fallback = t.fallback;
    Route r = exact.get(model);
    if (r != null) {
      return Optional.of(r);
    }
    r = patternRoutes.get(model);
    if (r != null) {
      return Optional.of(r);
    }
    List<Target> targets = new ArrayList<>();
    for (Provider p : t.patternProviders) {
      if (p.serves(model)) {
        targets.add(Target.of(p, model));
      }
    }
    if (targets.isEmpty() && fallback != null && fallback.serves(model)) {
      targets.add(Target.of(fallback, model));
    } else if (!targets.isEmpty()) {
      targets = withFallback(t, model, targets);
    }
    if (targets.isEmpty()) {
      return Optional.empty();
    }
    r = route(model, false, targets, null, null);
    // Kept so that round-robin and the like have a stable route per model; bounded, since names come from clients.
    if (patternRoutes.size() < MAX_PATTERN_ROUTES) {
      Route raced = patternRoutes.putIfAbsent(model, r);
      r = raced == null ? r : raced;
    }
    return Optional.of(r);
  }

  /**
   * OpenAI's list shape: the models an enabled provider serves (a local target only when listed explicitly or the
   * local provider's own names; the first-run fallback does not count) and the aliases that have such a target.
   * With {@code all} every configured name is listed, each with {@code "servable"} saying which are.
   */
  public JsonObject toOpenAiList(boolean all) {
    Tables t = tables;
    Map<String, Route> exact = t.exact;
    Map<String, String> ownerOf = t.ownerOf;
    JsonArray data = new JsonArray();
    exact.keySet().stream().sorted().forEach(name -> {
      Route route = exact.get(name);
      boolean servable = route.targets().stream().anyMatch(x -> x.provider().enabled() && !x.fallbackOnly());
      if (servable || all) {
        JsonObject model = new JsonObject().put("id", name).put("object", "model").put("created", created)
            .put("owned_by", route.alias() ? "switchboard" : ownerOf.getOrDefault(name, "switchboard"));
        data.add(all ? model.put("servable", servable) : model);
      }
    });
    return new JsonObject().put("object", "list").put("data", data);
  }

  public ProviderRegistry providers() {
    return providers;
  }
}
