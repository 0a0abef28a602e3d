package dev.switchboard.routing;

import dev.switchboard.config.RoutingConfig;
import dev.switchboard.config.RoutingStrategy;
import dev.switchboard.config.ScoreWeights;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.GatewayRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ranks a route's targets for one request: drops those that may not be tried now (disabled, refused by a
 * {@link CandidateGate}: circuit open, cooling down, later health, rate-limit headroom and budget), orders the rest
 * by the strategy (alias default, overridable per request), applies a pin or preference from
 * {@code x-switchboard-provider}, demotes providers still ramping up after a recovery, and explores.
 *
 * <p>The local fallback (added to every route only in first-run mode, see {@link ModelCatalog}) is used only when no
 * real provider is left; a local target listed in an alias's targets is tried last, after every real one failed.
 */
public final class Selector {
  private static final String PREFER = "prefer:";

  private final RoutingConfig config;
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
    this.config = config;
    this.providers = providers;
    this.guards = guards;
    this.scoring = scoring;
    this.nanoClock = guards.clocks().nanoTime();
    List<CandidateGate> all = new ArrayList<>(gates.size() + 1);
    all.add(guardGate(guards));
    all.addAll(gates);
    this.gates = List.copyOf(all);
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
      public long retryAfterMillis(Target target, long nowNanos) {
        return guards.of(target.provider()).millisUntilAvailable(nowNanos);
      }
    };
  }

  public Selection select(Route route, GatewayRequest request) {
    RoutingStrategy strategy = strategy(route, request);
    Pin pin = pin(route, request);
    long now = nanoClock.getAsLong();
    List<Target> real = new ArrayList<>(route.targets().size());
    List<Target> lastResort = new ArrayList<>(1);
    Target fallback = null;
    List<String> refused = new ArrayList<>(0);
    long retryAfter = -1;
    String unsupported = null;
    boolean onlyRateLimited = true;
    for (Target t : route.targets()) {
      if (pin != null && pin.only && !pin.names(t)) {
        continue;
      }
      if (!t.provider().enabled()) {
        refused.add(t.provider().id() + ": disabled (" + t.provider().config().disabledReason() + ")");
        onlyRateLimited = false;
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
      String why = null;
      for (int g = 0; g < gates.size() && why == null; g++) {
        CandidateGate gate = gates.get(g);
        why = gate.refuse(t, request, now);
        if (why != null) {
          onlyRateLimited &= gate.rateLimit();
          long wait = gate.retryAfterMillis(t, now);
          if (wait >= 0) {
            retryAfter = retryAfter < 0 ? wait : Math.min(retryAfter, wait);
          }
        }
      }
      if (why != null) {
        refused.add(t.provider().id() + ": " + why);
      } else {
        real.add(t);
      }
    }

    ScoringPolicy.Score[] scores = order(strategy, route, real);
    List<Target> scored = scores == null ? null : List.copyOf(real);
    if (pin != null && !pin.only) {
      prefer(real, pin);
    }
    if (pin == null && strategy != RoutingStrategy.PRIORITY) {
      slowStart(real, now);
      if (strategy == RoutingStrategy.SCORE) {
        explore(real);
      }
    }
    List<Target> candidates = real;
    candidates.addAll(lastResort);
    if (real.isEmpty() && fallback != null && unsupported == null) {
      candidates.add(fallback);
    }
    return new Selection(strategy, candidates, refused, retryAfter, describe(strategy, real, scored, scores),
        unsupported, onlyRateLimited && !refused.isEmpty());
  }

  private RoutingStrategy strategy(Route route, GatewayRequest request) {
    String header = request.strategy();
    if (header != null && !header.isBlank()) {
      return RoutingStrategy.parse(header).orElseThrow(() -> new ApiException(ApiError.invalid(
          "Unknown routing strategy '" + header.trim() + "' in x-switchboard-strategy. Use one of: "
              + RoutingStrategy.labels() + ".", "x-switchboard-strategy", "invalid_strategy")));
    }
    return route.strategy() != null ? route.strategy() : config.strategy();
  }

  /** Orders {@code targets} in place; returns the scores (in the new order) under {@code score}, else null. */
  private ScoringPolicy.Score[] order(RoutingStrategy strategy, Route route, List<Target> targets) {
    int n = targets.size();
    if (n <= 1 && strategy != RoutingStrategy.SCORE) {
      return null;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    switch (strategy) {
      case SCORE -> {
        ScoreWeights w = route.weights() != null ? route.weights() : config.weights();
        ScoringPolicy.Score[] s = scoring.score(targets, w);
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
          idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(s[b].total(), s[a].total()));
        List<Target> sorted = new ArrayList<>(n);
        ScoringPolicy.Score[] out = new ScoringPolicy.Score[n];
        for (int i = 0; i < n; i++) {
          sorted.add(targets.get(idx[i]));
          out[i] = s[idx[i]];
        }
        targets.clear();
        targets.addAll(sorted);
        return out;
      }
      case PRIORITY -> {
        return null;
      }
      case ROUND_ROBIN -> Collections.rotate(targets, -(int) (route.nextTurn() % n));
      case WEIGHTED -> {
        // Weighted sampling without replacement (Efraimidis-Spirakis): the first is drawn by weight, and so is each
        // failover after it. Weight 0 draws last.
        double[] keys = new double[n];
        for (int i = 0; i < n; i++) {
          double w = targets.get(i).weight();
          keys[i] = w <= 0 ? -1 - random.nextDouble() : Math.pow(random.nextDouble(), 1 / w);
        }
        sortBy(targets, i -> -keys[i]);
      }
      case LEAST_LATENCY -> {
        Collections.shuffle(targets, random);
        // Unmeasured first: they may be the fastest, and this is how they get measured.
        sortBy(targets, i -> {
          double l = ScoringPolicy.firstTokenMillis(targets.get(i).provider().stats());
          return l <= 0 ? -1 : l;
        });
      }
      case LEAST_BUSY -> {
        Collections.shuffle(targets, random);
        sortBy(targets, i -> targets.get(i).provider().stats().inFlight());
      }
      case COST -> sortBy(targets, i -> targets.get(i).price() == null ? Double.MAX_VALUE
          : targets.get(i).price().blended());
      case RANDOM -> Collections.shuffle(targets, random);
      default -> throw new IllegalStateException(strategy.name());
    }
    return null;
  }

  /** Stable sort of {@code targets} by a key computed once per element (index in the current order). */
  private static void sortBy(List<Target> targets, java.util.function.IntToDoubleFunction key) {
    int n = targets.size();
    double[] keys = new double[n];
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      keys[i] = key.applyAsDouble(i);
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingDouble(i -> keys[i]));
    List<Target> sorted = new ArrayList<>(n);
    for (Integer i : idx) {
      sorted.add(targets.get(i));
    }
    targets.clear();
    targets.addAll(sorted);
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

  /** A provider still ramping up after coming back goes to the back of the line for the rest of its share. */
  private void slowStart(List<Target> targets, long now) {
    if (targets.size() < 2) {
      return;
    }
    List<Target> demoted = null;
    for (Target t : targets) {
      double share = guards.of(t.provider()).rampShare(now);
      if (share < 1 && ThreadLocalRandom.current().nextDouble() >= share) {
        demoted = demoted == null ? new ArrayList<>(1) : demoted;
        demoted.add(t);
      }
    }
    if (demoted != null && demoted.size() < targets.size()) {
      targets.removeAll(demoted);
      targets.addAll(demoted);
    }
  }

  /** Now and then the best goes second, so the others' numbers stay current and a recovered one is noticed. */
  private void explore(List<Target> targets) {
    if (targets.size() < 2 || config.explore() <= 0) {
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (random.nextDouble() < config.explore()) {
      Collections.swap(targets, 0, 1 + random.nextInt(targets.size() - 1));
    }
  }

  private static String describe(RoutingStrategy strategy, List<Target> real, List<Target> scored,
                                 ScoringPolicy.Score[] scores) {
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
      if (scores != null) {
        int at = scored.indexOf(t);
        if (at >= 0) {
          appendScore(b.append(':'), scores[at].total());
        }
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
