package dev.switchboard.routing;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.GatewayRequest;

import java.util.List;

/**
 * One reason a target may not be tried for a request right now: an open circuit, a provider marked down by health
 * checks, a spent rate-limit bucket, an exhausted budget, a context window too small for the prompt, a requirement
 * of the request (price, quality, latency) it misses. The {@link Selector} asks every gate about every target;
 * later services add their gates without changing it.
 */
@FunctionalInterface
public interface CandidateGate {
  /** Null when the gate lets the target through, otherwise a short reason such as "circuit open". */
  String refuse(Target target, GatewayRequest request, long nowNanos);

  /** Whether this gate refuses for lack of rate-limit headroom: when that is all, the client gets a 429. */
  default boolean rateLimit() {
    return false;
  }

  /**
   * Whether this gate's refusal of {@code target} is a rate limit: the gate's own kind ({@link #rateLimit()}), or a
   * gate that refuses for several reasons and knows this one was a rate limit (a provider cooling down after a 429).
   */
  default boolean rateLimited(Target target, long nowNanos) {
    return rateLimit();
  }

  /**
   * The client's answer when this gate refused every target, or null for the usual 503. A gate that refuses for the
   * request itself (a prompt too long for every context window, requirements no target meets) says so here: that is
   * no outage, and waiting will not help.
   *
   * @param refused every refusal, e.g. "a: context window 8000 tokens, this request needs about 9100"
   */
  default ApiError noneLeft(GatewayRequest request, List<String> refused) {
    return null;
  }

  /**
   * Whether this gate's refusal of {@code target} is only live traffic's judgement that the provider is broken (an
   * open circuit, health marked down by failures) — one panic routing may override when it refuses every candidate —
   * rather than a decision that must hold (maintenance, refused credentials, spent quota or budget, a rate limit).
   */
  default boolean panicable(Target target, long nowNanos) {
    return false;
  }

  /** When a refused target may pass again, in millis from now; -1 when unknown. */
  default long retryAfterMillis(Target target, long nowNanos) {
    return -1;
  }
}
