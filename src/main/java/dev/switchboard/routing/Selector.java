package dev.switchboard.routing;

import dev.switchboard.config.RoutingConfig;
import dev.switchboard.config.RoutingStrategy;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.GatewayRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Ranks a route's targets for one request: drops those that may not be tried now (disabled, refused by a
 * {@link CandidateGate}: circuit open, cooling down, later health, rate-limit headroom and budget, a context window
 * too small, the request's requirements), orders the rest
 * by the strategy (alias default, overridable per request; one {@link Strategy} class each, with slow start and
 * exploration wrapped around them, see {@link Strategies}), and applies a pin or preference from
 * {@code x-switchboard-provider}.
 *
 * <p>The local fallback (added to every route only in first-run mode, see {@link ModelCatalog}) is used only when no
 * real provider is left; a local target listed in an alias's targets is tried last, after every real one failed.
 */
public final class Selector {
  private static final String PREFER = "prefer:";

  /** The routing section of the running config generation, read per selection (a reload swaps it). */
  private final Supplier<RoutingConfig> routing;
  /** The strategies built for one routing section; rebuilt when a reload changes it, kept (with their state) else. */
  private volatile Rules rules;
  private final ProviderRegistry providers;
  private final ScoringPolicy scoring;
  private final ProviderGuards guards;
  private final List<CandidateGate> gates;
  /** The guards' clock: refusals compare it with the cooldowns and circuits they stamped. */
  private final java.util.function.LongSupplier nanoClock;

  /**
   * @param gates further reasons a target may be refused (health, rate limits, budgets), asked after the provider's
   *     own guard (suspension, cooldown, circuit); the first refusal counts
   */
  public Selector(RoutingConfig config, ProviderRegistry providers, ProviderGuards guards, ScoringPolicy scoring,
                  List<CandidateGate> gates) {
    this(() -> config, providers, guards, scoring, gates);
  }

  /** @param routing the running generation's routing section (see {@link dev.switchboard.config.LiveConfig}) */
  public Selector(Supplier<RoutingConfig> routing, ProviderRegistry providers, ProviderGuards guards,
                  ScoringPolicy scoring, List<CandidateGate> gates) {
    this.routing = routing;
    this.providers = providers;
    this.guards = guards;
    this.scoring = scoring;
    this.rules = new Rules(routing.get(), new Strategies(routing.get(), scoring, guards));
    this.nanoClock = guards.clocks().nanoTime();
    List<CandidateGate> all = new ArrayList<>(gates.size() + 1);
    all.add(guardGate(guards));
    all.addAll(gates);
    this.gates = List.copyOf(all);
  }

  /** A routing section and the strategies built from it. */
  private record Rules(RoutingConfig config, Strategies strategies) {
  }

  /**
   * The rules of the running generation. A reload that changed the section is seen by identity (unchanged sections
   * keep their instance); two event loops racing here both build, one copy wins, and the other's few selections used
   * equally valid strategies.
   */
  private Rules rules() {
    RoutingConfig now = routing.get();
    Rules r = rules;
    if (r.config() != now) {
      r = new Rules(now, new Strategies(now, scoring, guards));
      rules = r;
    }
    return r;
  }

  public ScoringPolicy scoring() {
    return scoring;
  }

  private static CandidateGate guardGate(ProviderGuards guards) {
    return new CandidateGate() {
      @Override
      public String refuse(Target target, GatewayRequest request, long nowNanos) {
        return guards.of(target.provider()).refusal(nowNanos);
      }

      @Override
      public boolean rateLimited(Target target, long nowNanos) {
        // Cooling down because the provider answered 429: a rate limit, which the client hears as one.
        return guards.of(target.provider()).coolingDownForRateLimit(nowNanos);
      }

      @Override
      public boolean panicable(Target target, long nowNanos) {
        return guards.of(target.provider()).refusedOnlyByCircuit(nowNanos);
      }

      @Override
      public long retryAfterMillis(Target target, long nowNanos) {
        return guards.of(target.provider()).millisUntilAvailable(nowNanos);
      }
    };
  }

  public Selection select(Route route, GatewayRequest request) {
    Rules rules = rules();
    RoutingStrategy strategy = strategy(route, request, rules.config());
    Pin pin = pin(route, request);
    long now = nanoClock.getAsLong();
    List<Target> real = new ArrayList<>(route.targets().size());
    List<Target> lastResort = new ArrayList<>(1);
    Target fallback = null;
    Refusals refused = new Refusals();
    String unsupported = null;
    for (Target t : route.targets()) {
      if (pin != null && pin.only && !pin.names(t)) {
        continue;
      }
      if (!t.provider().enabled()) {
        refused.add(t, "disabled (" + t.provider().config().disabledReason() + ")", false, -1);
        continue;
      }
      if (t.provider().isLocal()) {
        if (t.fallbackOnly()) {
          fallback = fallback == null ? t : fallback;
        } else {
          lastResort.add(t);
        }
        continue;
      }
      String cannot = t.provider().unsupported(request);
      if (cannot != null) {
        // Its API has no equivalent (images from a Messages-only API): not a candidate, and not faked locally.
        unsupported = unsupported == null ? cannot : unsupported;
        continue;
      }
      if (admitted(t, request, now, refused)) {
        real.add(t);
      }
    }

    boolean panic = false;
    if (real.isEmpty() && !refused.panicable.isEmpty() && refused.panicable.size() == refused.reasons.size()) {
      // Panic routing (Envoy's panic threshold): every real candidate is out only because live traffic judged it
      // broken. Refusing them all turns an outage of the judgement into an outage of the route; try them anyway, in
      // score order. Their circuits still judge by their own trials.
      real.addAll(refused.panicable);
      panic = true;
    }
    // A pinned request keeps the bare order: the pin, not a ramp or exploration, decides who goes first.
    Strategies strategies = rules.strategies();
    Strategy.Scored scored = (pin == null ? strategies.of(strategy) : strategies.bare(strategy)).order(route, real, now);
    if (pin != null && !pin.only) {
      prefer(real, pin);
    }
    List<Target> candidates = real;
    candidates.addAll(lastResort);
    if (real.isEmpty() && fallback != null && unsupported == null) {
      candidates.add(fallback);
    }
    return new Selection(strategy, candidates, refused.reasons, refused.retryAfterMillis,
        describe(strategy, real, scored) + (panic ? "; panic" : ""), unsupported,
        refused.onlyRateLimited && !refused.reasons.isEmpty() && !panic,
        real.isEmpty() && refused.onlyGate() != null ? refused.onlyGate().noneLeft(request, refused.reasons) : null,
        panic);
  }

  /** Whether every gate lets {@code t} be tried now; if one refuses, the first refusal goes into {@code refused}. */
  private boolean admitted(Target t, GatewayRequest request, long now, Refusals refused) {
    for (int g = 0; g < gates.size(); g++) {
      CandidateGate gate = gates.get(g);
      String why = gate.refuse(t, request, now);
      if (why != null) {
        refused.add(t, why, gate.rateLimited(t, now), gate.retryAfterMillis(t, now));
        refused.byGate(gate);
        if (gate.panicable(t, now) && laterGatesOnlyPanicable(g + 1, t, request, now)) {
          refused.panicable.add(t);
        }
        return false;
      }
    }
    return true;
  }

  /** Whether every gate after {@code from} lets {@code t} through or refuses it only in a way panic may override. */
  private boolean laterGatesOnlyPanicable(int from, Target t, GatewayRequest request, long now) {
    for (int g = from; g < gates.size(); g++) {
      CandidateGate gate = gates.get(g);
      if (gate.refuse(t, request, now) != null && !gate.panicable(t, now)) {
        return false;
      }
    }
    return true;
  }

  /** The targets left out of one selection and why; confined to the selecting call. */
  private static final class Refusals {
    final List<String> reasons = new ArrayList<>(0);
    /** Refused targets that panic routing may try anyway (refused by circuits or health alone). */
    final List<Target> panicable = new ArrayList<>(0);
    /** When a refused target may be tried again, in millis; -1 if none said. */
    long retryAfterMillis = -1;
    /** Whether every refusal so far was for rate-limit headroom. */
    boolean onlyRateLimited = true;
    private CandidateGate firstGate;
    private boolean mixedGates;
    private int byGates;

    void add(Target t, String why, boolean rateLimit, long waitMillis) {
      reasons.add(t.provider().id() + ": " + why);
      onlyRateLimited &= rateLimit;
      if (waitMillis >= 0) {
        retryAfterMillis = retryAfterMillis < 0 ? waitMillis : Math.min(retryAfterMillis, waitMillis);
      }
    }

    /** Notes that the refusal just added came from {@code gate}. */
    void byGate(CandidateGate gate) {
      byGates++;
      firstGate = firstGate == null ? gate : firstGate;
      mixedGates |= firstGate != gate;
    }

    /** The gate behind every refusal, or null when none, several, or a disabled target refused. */
    CandidateGate onlyGate() {
      return !mixedGates && byGates == reasons.size() ? firstGate : null;
    }
  }

  private RoutingStrategy strategy(Route route, GatewayRequest request, RoutingConfig config) {
    RoutingStrategy asked = strategyHeader(request.strategy());
    if (asked != null) {
      return asked;
    }
    return route.strategy() != null ? route.strategy() : config.strategy();
  }

  /**
   * The strategy an {@code x-switchboard-strategy} header names, null when there is none.
   *
   * @throws ApiException 400 {@code invalid_strategy} for a name that is no strategy
   */
  public static RoutingStrategy strategyHeader(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    return RoutingStrategy.parse(header).orElseThrow(() -> new ApiException(ApiError.invalid(
        "Unknown routing strategy '" + header.trim() + "' in x-switchboard-strategy. Use one of: "
            + RoutingStrategy.labels() + ".", "x-switchboard-strategy", "invalid_strategy")));
  }

  /** Moves the preferred providers' targets to the front, in the order the header names them. */
  private static void prefer(List<Target> targets, Pin pin) {
    List<Target> front = new ArrayList<>();
    for (String id : pin.ids) {
      for (Target t : targets) {
        if (t.provider().id().equals(id)) {
          front.add(t);
        }
      }
    }
    targets.removeAll(front);
    targets.addAll(0, front);
  }

  private static String describe(RoutingStrategy strategy, List<Target> real, Strategy.Scored scored) {
    StringBuilder b = new StringBuilder(64).append("strategy=").append(strategy.label());
    if (real.isEmpty()) {
      return b.toString();
    }
    b.append("; order=");
    for (int i = 0; i < real.size(); i++) {
      Target t = real.get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append(t.provider().id());
      ScoringPolicy.Score score = scored == null ? null : scored.of(t);
      if (score != null) {
        appendScore(b.append(':'), score.total());
      }
    }
    return b.toString();
  }

  /** Three decimals without String.format, which is slow enough to notice on the hot path. */
  private static void appendScore(StringBuilder b, double score) {
    long milli = Math.round(Math.max(0, Math.min(1, score)) * 1000);
    b.append(milli / 1000).append('.');
    long frac = milli % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    b.append(frac);
  }

  private Pin pin(Route route, GatewayRequest request) {
    String header = request.pinnedProvider();
    if (header == null || header.isBlank()) {
      return null;
    }
    String text = header.trim();
    boolean only = !text.regionMatches(true, 0, PREFER, 0, PREFER.length());
    if (!only) {
      text = text.substring(PREFER.length());
    }
    List<String> ids = new ArrayList<>(2);
    for (String part : text.split(",")) {
      String id = part.trim();
      if (id.isEmpty()) {
        continue;
      }
      if (providers.get(id) == null) {
        throw new ApiException(ApiError.invalid("Unknown provider '" + id + "' in x-switchboard-provider.",
            "x-switchboard-provider", "unknown_provider"));
      }
      ids.add(id);
    }
    if (ids.isEmpty()) {
      throw new ApiException(ApiError.invalid("x-switchboard-provider names no provider.", "x-switchboard-provider",
          "unknown_provider"));
    }
    Pin pin = new Pin(ids, only);
    if (only && route.targets().stream().noneMatch(pin::names)) {
      throw new ApiException(ApiError.invalid("Provider '" + String.join(",", ids) + "' does not serve model '"
          + route.requestedModel() + "'.", "x-switchboard-provider", "provider_not_serving_model"));
    }
    return pin;
  }

  private record Pin(List<String> ids, boolean only) {
    boolean names(Target t) {
      return ids.contains(t.provider().id());
    }
  }
}
