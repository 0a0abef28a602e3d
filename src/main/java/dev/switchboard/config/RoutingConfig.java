package dev.switchboard.config;

import java.time.Duration;

/**
 * How requests are spread over providers and what happens when one fails.
 *
 * @param strategy default strategy for every route; aliases and the {@code x-switchboard-strategy} header override it
 * @param maxAttempts upstream attempts per request, across retries and providers
 * @param requestTimeout deadline of a whole request, every attempt and backoff included
 * @param statsWindow span of the sliding error-rate window
 * @param explore share of requests under {@code score} that try a candidate other than the best, so the stats of
 *     the others stay current
 * @param slowStart a provider coming back (circuit closed again, cooldown over) ramps from a small share of traffic
 *     to its full share over this period
 * @param contentPolicyFallback a provider's content-policy refusal moves on to the next candidate (default false:
 *     the refusal is the answer)
 * @param firstToken how a stream's first-token deadline is derived when nothing names one
 * @param hedge hedged stream attempts
 * @param resume mid-stream resume of cut chat streams
 */
public record RoutingConfig(RoutingStrategy strategy, int maxAttempts, Duration requestTimeout, Duration statsWindow,
                            ScoreWeights weights, double explore, Duration slowStart, RetryConfig retry,
                            CircuitConfig circuit, boolean contentPolicyFallback, FirstTokenConfig firstToken,
                            HedgeConfig hedge, ResumeConfig resume) {
  public static final RoutingConfig DEFAULT = new RoutingConfig(RoutingStrategy.SCORE, 4, Duration.ofMinutes(10),
      Duration.ofSeconds(60), ScoreWeights.DEFAULT, 0.05, Duration.ofSeconds(30), RetryConfig.DEFAULT,
      CircuitConfig.DEFAULT);

  /** Without the later options, at their defaults. */
  public RoutingConfig(RoutingStrategy strategy, int maxAttempts, Duration requestTimeout, Duration statsWindow,
                       ScoreWeights weights, double explore, Duration slowStart, RetryConfig retry,
                       CircuitConfig circuit) {
    this(strategy, maxAttempts, requestTimeout, statsWindow, weights, explore, slowStart, retry, circuit, false);
  }

  /** With the content-policy switch, the tail options at their defaults. */
  public RoutingConfig(RoutingStrategy strategy, int maxAttempts, Duration requestTimeout, Duration statsWindow,
                       ScoreWeights weights, double explore, Duration slowStart, RetryConfig retry,
                       CircuitConfig circuit, boolean contentPolicyFallback) {
    this(strategy, maxAttempts, requestTimeout, statsWindow, weights, explore, slowStart, retry, circuit,
        contentPolicyFallback, FirstTokenConfig.DEFAULT, HedgeConfig.DEFAULT);
  }

  /** Without mid-stream resume (off). */
  public RoutingConfig(RoutingStrategy strategy, int maxAttempts, Duration requestTimeout, Duration statsWindow,
                       ScoreWeights weights, double explore, Duration slowStart, RetryConfig retry,
                       CircuitConfig circuit, boolean contentPolicyFallback, FirstTokenConfig firstToken,
                       HedgeConfig hedge) {
    this(strategy, maxAttempts, requestTimeout, statsWindow, weights, explore, slowStart, retry, circuit,
        contentPolicyFallback, firstToken, hedge, ResumeConfig.DEFAULT);
  }

  /** With the tail options, no content-policy fallback. */
  public RoutingConfig(RoutingStrategy strategy, int maxAttempts, Duration requestTimeout, Duration statsWindow,
                       ScoreWeights weights, double explore, Duration slowStart, RetryConfig retry,
                       CircuitConfig circuit, FirstTokenConfig firstToken, HedgeConfig hedge) {
    this(strategy, maxAttempts, requestTimeout, statsWindow, weights, explore, slowStart, retry, circuit, false,
        firstToken, hedge);
  }
}
