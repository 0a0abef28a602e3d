package dev.switchboard.routing;

import dev.switchboard.config.RoutingStrategy;
import dev.switchboard.config.ScoreWeights;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every target that could serve a requested model, in configured order, with the local fallback (if any) last.
 * Selection among them is the {@link Selector}'s job. Routes are built once and shared by every event loop.
 */
public final class Route {
  private final String requestedModel;
  private final boolean alias;
  private final List<Target> targets;
  private final RoutingStrategy strategy;
  private final ScoreWeights weights;
  /** The alias's first-token deadline for streams, or null. */
  private final java.time.Duration firstToken;
  /** Whether the alias's streams are hedged, or null for the default. */
  private final Boolean hedge;
  /** Whether the alias's cut streams are resumed, or null for the default. */
  private final Boolean resume;
  /** Round-robin position, per route so that interleaved models do not skew each other's rotation. */
  private final AtomicLong turn = new AtomicLong();
  /** Smooth weighted round-robin's current weights, indexed like {@link #targets}; swapped whole, never mutated. */
  private final AtomicReference<double[]> smoothWeights;

  /**
   * @param alias true when the requested name is a configured alias rather than a provider's own model name
   * @param strategy the alias's own strategy, or null for the default
   * @param weights the alias's own score weights, or null for the default
   */
  public Route(String requestedModel, boolean alias, List<Target> targets, RoutingStrategy strategy,
               ScoreWeights weights) {
    this(requestedModel, alias, targets, strategy, weights, null, null);
  }

  /**
   * @param firstToken the alias's first-token deadline for streams ({@code models.X.first_token}), or null
   * @param hedge whether the alias's streams are hedged ({@code models.X.hedge}), or null for the default
   */
  public Route(String requestedModel, boolean alias, List<Target> targets, RoutingStrategy strategy,
               ScoreWeights weights, java.time.Duration firstToken, Boolean hedge) {
    this(requestedModel, alias, targets, strategy, weights, firstToken, hedge, null);
  }

  /** @param resume whether the alias's cut streams are resumed ({@code models.X.resume}), or null for the default */
  public Route(String requestedModel, boolean alias, List<Target> targets, RoutingStrategy strategy,
               ScoreWeights weights, java.time.Duration firstToken, Boolean hedge, Boolean resume) {
    this.resume = resume;
    this.firstToken = firstToken;
    this.hedge = hedge;
    this.requestedModel = requestedModel;
    this.alias = alias;
    this.targets = List.copyOf(targets);
    this.strategy = strategy;
    this.weights = weights;
    this.smoothWeights = new AtomicReference<>(new double[this.targets.size()]);
  }

  public String requestedModel() {
    return requestedModel;
  }

  public boolean alias() {
    return alias;
  }

  public List<Target> targets() {
    return targets;
  }

  public RoutingStrategy strategy() {
    return strategy;
  }

  public ScoreWeights weights() {
    return weights;
  }

  AtomicReference<double[]> smoothWeights() {
    return smoothWeights;
  }

  /** The alias's first-token deadline for streams, or null for the providers' own. */
  public java.time.Duration firstToken() {
    return firstToken;
  }

  /** Whether the alias's streams are hedged, or null for {@code routing.hedge.enabled}. */
  public Boolean hedge() {
    return hedge;
  }

  /** Whether the alias's cut streams are resumed, or null for {@code routing.resume.enabled}. */
  public Boolean resume() {
    return resume;
  }

  long nextTurn() {
    return turn.getAndIncrement();
  }
}
