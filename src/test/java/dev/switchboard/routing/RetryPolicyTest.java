package dev.switchboard.routing;

import dev.switchboard.config.RetryConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry and failover rules as a table, one row per case: no HTTP, no clock. Jitter is fixed at its maximum, so a
 * backoff of retry n is exactly {@code min(2000, 100·2^n)} ms; max_attempts 4, max_retry_after 5 s.
 */
class RetryPolicyTest {
  private static final long SECOND = 1_000_000_000L;

  @ParameterizedTest(name = "[{index}] {0} hint={1} retries={2} attempts={3} other={4} larger={5} left={6}s "
      + "sameFirst={7} perProvider={8} -> {9} {10}")
  @CsvSource({
      // kind,         hint, retries, attempts, other, larger, left s, sameFirst, perProvider, action, delay
      // Momentary failures: move on while another candidate is left, unless same_provider_first.
      "SERVER_ERROR,     -1, 0, 1, true,  false, 60, false, 1, NEXT_CANDIDATE, 0",
      "SERVER_ERROR,     -1, 0, 1, true,  false, 60, true,  1, RETRY_SAME,     100",
      "SERVER_ERROR,     -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "SERVER_ERROR,     -1, 1, 2, false, false, 60, false, 3, RETRY_SAME,     200",
      "SERVER_ERROR,     -1, 5, 6, false, false, 60, false, 9, NEXT_CANDIDATE, 0",
      "OVERLOADED,       -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "BROKEN_REPLY,     -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "STREAM_BROKEN,    -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      // Budgets: retries of this provider, attempts overall, the deadline.
      "SERVER_ERROR,     -1, 1, 2, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "SERVER_ERROR,     -1, 0, 4, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "SERVER_ERROR,     -1, 0, 3, false, false, 60, false, 1, RETRY_SAME,     100",
      "SERVER_ERROR,     -1, 0, 1, false, false, 0,  false, 1, NEXT_CANDIDATE, 0",
      // A provider's Retry-After is the wait, if it is short enough and fits the deadline.
      "RATE_LIMITED,    400, 0, 1, false, false, 60, false, 1, RETRY_SAME,     400",
      "ASKED_TO_WAIT,     0, 0, 1, false, false, 60, false, 1, RETRY_SAME,     0",
      "RATE_LIMITED,   5000, 0, 1, false, false, 60, false, 1, RETRY_SAME,     5000",
      "RATE_LIMITED,   5001, 0, 1, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "RATE_LIMITED,   3000, 0, 1, false, false, 2,  false, 1, NEXT_CANDIDATE, 0",
      "RATE_LIMITED,    400, 0, 1, true,  false, 60, false, 1, NEXT_CANDIDATE, 0",
      "RATE_LIMITED,    400, 0, 1, true,  false, 60, true,  1, RETRY_SAME,     400",
      // Unreachable or timed out: retried (with a backoff, never a hint) only as the last real candidate.
      "CONNECT,          -1, 0, 1, true,  false, 60, true,  1, NEXT_CANDIDATE, 0",
      "CONNECT,          -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "TIMEOUT,          -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "POOL_BUSY,        -1, 0, 1, false, false, 60, false, 1, RETRY_SAME,     100",
      "TIMEOUT,          -1, 1, 2, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      // Failures of this provider that waiting cannot fix: move on, even as the last candidate.
      "AUTH,             -1, 0, 1, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "QUOTA,          1000, 0, 1, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "NOT_FOUND,        -1, 0, 1, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      "BUFFERS_FULL,     -1, 0, 1, false, false, 60, false, 1, NEXT_CANDIDATE, 0",
      // The client's own request: every provider would refuse it, unless another has a larger context window.
      "INVALID_REQUEST,  -1, 0, 1, true,  false, 60, false, 1, GIVE_UP,        0",
      "TOO_LARGE,        -1, 0, 1, true,  false, 60, false, 1, GIVE_UP,        0",
      "CONTEXT_LENGTH,   -1, 0, 1, true,  false, 60, false, 1, GIVE_UP,        0",
      "CONTEXT_LENGTH,   -1, 0, 1, true,  true,  60, false, 1, LARGER_CONTEXT, 0",
  })
  void decides(FailureKind kind, long hint, int retries, int attempts, boolean other, boolean larger, long leftSeconds,
               boolean sameFirst, int perProvider, RetryDecision.Action action, long delay) {
    RetryConfig retry = new RetryConfig(perProvider, Duration.ofMillis(100), Duration.ofSeconds(2),
        Duration.ofSeconds(5), sameFirst);
    RetryPolicy policy = new RetryPolicy(retry, 4, new Backoff(retry, bound -> bound - 1));

    RetryDecision decision = policy.decide(new RetryPolicy.Failed(kind, hint, retries, attempts, other, larger,
        leftSeconds * SECOND));

    assertThat(decision).isEqualTo(new RetryDecision(action, delay));
  }

  @ParameterizedTest(name = "[{index}] fallback={0} other={1} -> {2}")
  @CsvSource({"false, true, GIVE_UP", "true, true, NEXT_CANDIDATE", "true, false, GIVE_UP"})
  void contentPolicyRefusalMovesOnOnlyWhenConfiguredAndAnotherIsLeft(boolean fallback, boolean other,
                                                                     RetryDecision.Action action) {
    RetryConfig retry = new RetryConfig(1, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), true);
    RetryPolicy policy = new RetryPolicy(retry, 4, new Backoff(retry, bound -> bound - 1), fallback);

    RetryDecision decision = policy.decide(new RetryPolicy.Failed(FailureKind.CONTENT_POLICY, -1, 0, 1, other, false,
        60 * SECOND));

    assertThat(decision.action()).isEqualTo(action);
  }
}
