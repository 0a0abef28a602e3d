package dev.switchboard.routing;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.config.HedgeConfig;

/**
 * Whether a request's first attempt gets a hedge, and after how long: streams only (the commit point, the first
 * content event, decides the race; images, speech and whole replies are never hedged), when the request's
 * {@value TailOptions#HEDGE_HEADER} header, else its alias, else {@code routing.hedge.enabled} says so. The delay is
 * the header's, else the configured fixed one, else the first provider's live percentile time to first token (at
 * least {@code min_delay}; {@code initial_delay} until it has samples). The {@link HedgeBudget} bounds how many
 * actually start. Thread-safe.
 */
final class HedgePolicy {
  /** No hedge for this request. */
  static final long NONE = -1;

  private final HedgeConfig config;
  private final HedgeBudget budget;

  HedgePolicy(HedgeConfig config) {
    this.config = config;
    this.budget = new HedgeBudget(config.budget(), config.burst());
  }

  HedgeBudget budget() {
    return budget;
  }

  /**
   * The delay before hedging the first attempt on {@code first}, in millis, or {@link #NONE}; an eligible request
   * earns its share of the budget here.
   *
   * @param another whether a real candidate is left to hedge on
   */
  long delayMillis(GatewayRequest request, Route route, TailOptions tail, Target first, boolean another) {
    if (!request.stream() || request.endpoint().binaryReply() || !another) {
      return NONE;
    }
    Boolean on = tail.hedge() != null ? tail.hedge() : route != null && route.hedge() != null ? route.hedge()
        : config.enabled();
    if (!on) {
      return NONE;
    }
    budget.deposit();
    if (tail.hedgeDelayMillis() > 0) {
      return tail.hedgeDelayMillis();
    }
    if (config.delay() != null) {
      return config.delay().toMillis();
    }
    long live = first.provider().stats().streamFirstTokenMillis(config.percentile(), config.minSamples());
    return live < 0 ? config.initialDelay().toMillis() : Math.max(config.minDelay().toMillis(), live);
  }
}
