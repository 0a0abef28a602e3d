package dev.switchboard.routing;

import dev.switchboard.config.RoutingConfig;

/**
 * What one routing section decides for a request's failover: its retry policy, give-up answers, guard lessons,
 * first-token deadlines and hedging. A {@link FailoverRun} takes the rules of the generation running when it starts
 * and keeps them to its end, so a reload never changes a request halfway.
 */
record RoutingRules(RoutingConfig routing, RetryPolicy policy, GiveUp giveUp, GuardEffects effects,
                    FirstTokenDeadline firstTokens, HedgePolicy hedging, AttemptSettings settings) {

  /** @param shared the instance's attempt settings; the circuit's open period is this section's */
  static RoutingRules of(RoutingConfig routing, ProviderEvents events, Backoff.Jitter jitter, AttemptSettings shared) {
    Backoff backoff = new Backoff(routing.retry(), jitter);
    return new RoutingRules(routing,
        new RetryPolicy(routing.retry(), routing.maxAttempts(), backoff, routing.contentPolicyFallback()),
        new GiveUp(backoff), new GuardEffects(events, backoff), new FirstTokenDeadline(routing.firstToken()),
        new HedgePolicy(routing.hedge()), new AttemptSettings(shared.watchdog(), shared.nanoClock(),
            shared.maxResponseBytes(), shared.buffers(), routing.circuit().openFor().toMillis()));
  }
}
