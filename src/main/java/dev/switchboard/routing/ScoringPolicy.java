package dev.switchboard.routing;

import dev.switchboard.config.ScoreWeights;
import dev.switchboard.provider.ProviderStats;

import java.util.List;

/**
 * The {@code score} strategy's judgement of a route's candidates: a weighted mean of parts in 0..1 (1 = best), each
 * relative to the other candidates of the same request, so that "fast" and "cheap" mean fast and cheap among what
 * could serve this model.
 *
 * <p>A provider without samples yet is scored optimistically (as fast as the fastest, no errors), so a new provider
 * gets traffic and earns real numbers instead of being starved by one that has them.
 */
public final class ScoringPolicy {
  /** Windows with fewer attempts than this are blended with a clean prior, so one early failure is not 100%. */
  private static final double PRIOR_ATTEMPTS = 4;

  /** The parts of one candidate's score, for x-switchboard-route and the admin view. */
  public record Score(double total, double latency, double errors, double quality, double cost, double load,
                      double headroom) {
  }

  private final Headroom headroom;

  public ScoringPolicy(Headroom headroom) {
    this.headroom = headroom;
  }

  /** Scores of {@code candidates}, in the same order. */
  public Score[] score(List<Target> candidates, ScoreWeights w) {
    int n = candidates.size();
    double bestLatency = Double.MAX_VALUE;
    double cheapest = Double.MAX_VALUE;
    int leastBusy = Integer.MAX_VALUE;
    double[] latency = new double[n];
    for (int i = 0; i < n; i++) {
      Target t = candidates.get(i);
      ProviderStats s = t.provider().stats();
      latency[i] = firstTokenMillis(s);
      if (latency[i] > 0) {
        bestLatency = Math.min(bestLatency, latency[i]);
      }
      if (t.price() != null) {
        cheapest = Math.min(cheapest, t.price().ranking());
      }
      leastBusy = Math.min(leastBusy, s.inFlight());
    }
    double sum = w.sum();
    Score[] out = new Score[n];
    for (int i = 0; i < n; i++) {
      Target t = candidates.get(i);
      ProviderStats s = t.provider().stats();
      double lat = latency[i] <= 0 || bestLatency == Double.MAX_VALUE ? 1 : bestLatency / latency[i];
      long[] window = s.window();
      double errors = 1 - window[1] / (window[0] + PRIOR_ATTEMPTS);
      double cost;
      if (cheapest == Double.MAX_VALUE) {
        cost = 1;
      } else if (t.price() == null) {
        cost = 0.5;
      } else {
        // A small floor keeps free models (price 0) comparable instead of dividing by zero.
        cost = (cheapest + 0.01) / (t.price().ranking() + 0.01);
      }
      double load = (leastBusy + 1.0) / (Math.max(0, s.inFlight()) + 1.0);
      double room = Math.max(0, Math.min(1, headroom.of(t)));
      double total = (w.latency() * lat + w.errors() * errors + w.quality() * t.quality() + w.cost() * cost
          + w.load() * load + w.headroom() * room) / sum;
      out[i] = new Score(total, lat, errors, t.quality(), cost, load, room);
    }
    return out;
  }

  /** The latency the strategies compare: time to first token, else whole-attempt latency, else -1 (no samples). */
  static double firstTokenMillis(ProviderStats s) {
    double ttft = s.firstTokenMillis();
    return ttft > 0 ? ttft : s.latencyMillis();
  }
}
