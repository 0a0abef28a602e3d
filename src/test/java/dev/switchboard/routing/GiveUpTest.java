package dev.switchboard.routing;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.RetryConfig;
import dev.switchboard.config.RoutingStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The client's answer when routing gives up, from what the request met on its way; no HTTP, no clock. */
class GiveUpTest {
  /** max_retry_after 5 s: a hint up to that is a short wait ({@code x-should-retry: true}). */
  private final GiveUp giveUp = new GiveUp(new Backoff(new RetryConfig(1, Duration.ofMillis(100),
      Duration.ofSeconds(2), Duration.ofSeconds(5), false), Backoff.Jitter.RANDOM));

  private static UpstreamFailure failure(FailureKind kind, int status, String code, long retryAfterMillis) {
    return new UpstreamFailure(kind, new ApiError(status, ApiError.UPSTREAM, "provider said " + status, null, code),
        Integer.toString(status), retryAfterMillis);
  }

  private static RunTally tried(Object... providerAndFailure) {
    RunTally tally = new RunTally();
    for (int i = 0; i < providerAndFailure.length; i += 2) {
      tally.attempts++;
      tally.failed((String) providerAndFailure[i], (UpstreamFailure) providerAndFailure[i + 1]);
    }
    return tally;
  }

  @Test
  void oneProviderAloneGivesItsOwnAnswer() {
    RunTally tally = tried("a", failure(FailureKind.SERVER_ERROR, 503, "overloaded", -1),
        "a", failure(FailureKind.SERVER_ERROR, 502, "bad_gateway", 2_000));

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", -1);

    assertThat(answer.error().status()).isEqualTo(502);
    assertThat(answer.error().code()).isEqualTo("bad_gateway");
    assertThat(answer.retryAfterMillis()).isEqualTo(2_000);
    assertThat(answer.shouldRetry()).isTrue();
  }

  @Test
  void everyProviderRateLimitingIsA429WithTheShortestWait() {
    RunTally tally = tried("a", failure(FailureKind.RATE_LIMITED, 429, "rate_limit_exceeded", 30_000),
        "b", failure(FailureKind.ASKED_TO_WAIT, 429, "rate_limit_exceeded", 400));

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", 0);

    assertThat(answer.error()).extracting(ApiError::status, ApiError::type, ApiError::code)
        .containsExactly(429, ApiError.RATE_LIMIT, "upstream_rate_limited");
    assertThat(answer.error().message()).isEqualTo("Every provider of model 'm' is rate limiting requests "
        + "(2 attempts): a: provider said 429; b: provider said 429");
    assertThat(answer.retryAfterMillis()).as("400 ms, floored to the header's 1 s").isEqualTo(1_000);
    assertThat(answer.shouldRetry()).isTrue();
  }

  @Test
  void aRateLimitSkipAndA429AreA429Too() {
    RunTally tally = new RunTally();
    tally.skipped("a", "rate limited by the provider", true, 7_000);
    tally.attempts++;
    tally.failed("b", failure(FailureKind.RATE_LIMITED, 429, "rate_limit_exceeded", -1));

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", -1);

    assertThat(answer.error().status()).isEqualTo(429);
    assertThat(answer.retryAfterMillis()).isEqualTo(7_000);
    assertThat(answer.shouldRetry()).as("7 s is longer than max_retry_after").isFalse();
  }

  @Test
  void mixedFailuresAreA503NamingEveryAttempt() {
    RunTally tally = tried("a", failure(FailureKind.SERVER_ERROR, 500, "boom", -1),
        "b", failure(FailureKind.RATE_LIMITED, 429, "rate_limit_exceeded", -1));

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", -1);

    assertThat(answer.error()).extracting(ApiError::status, ApiError::code).containsExactly(503, "all_providers_failed");
    assertThat(answer.error().message()).isEqualTo("Every provider failed for model 'm' (2 attempts): "
        + "a: provider said 500; b: provider said 429");
    assertThat(answer.retryAfterMillis()).isEqualTo(1_000);
    assertThat(answer.shouldRetry()).as("no real hint: the gateway's retries were the client's").isFalse();
  }

  @Test
  void noProviderAtFaultPassesTheLastAnswerOn() {
    RunTally tally = tried("a", failure(FailureKind.NOT_FOUND, 404, "model_not_found", -1),
        "b", failure(FailureKind.NOT_FOUND, 404, "model_not_found", -1));

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", -1);

    assertThat(answer.error().status()).isEqualTo(404);
    assertThat(answer.shouldRetry()).as("the client's own problem: its SDK decides").isNull();
  }

  @Test
  void onlySkipsAreA503NamingEachReason() {
    RunTally tally = new RunTally();
    tally.skipped("a", "circuit open", false, -1);

    GiveUp.Answer answer = giveUp.exhausted(tally, "m", 250);

    assertThat(answer.error()).extracting(ApiError::status, ApiError::code, ApiError::message)
        .containsExactly(503, "no_provider_available", "No provider is available for model 'm': a: skipped (circuit open).");
    assertThat(answer.retryAfterMillis()).isEqualTo(1_000);
    assertThat(answer.shouldRetry()).isTrue();
  }

  @Test
  void noCandidateAtAll() {
    Selection unsupported = new Selection(RoutingStrategy.PRIORITY, List.of(), List.of(), -1, "", "no images", false);
    Selection limited = new Selection(RoutingStrategy.PRIORITY, List.of(), List.of("a: at its rate limit"), 3_000, "",
        null, true);
    Selection down = new Selection(RoutingStrategy.PRIORITY, List.of(), List.of("a: circuit open"), 60_000, "", null,
        false);

    assertThat(giveUp.noCandidates(unsupported, "m").error()).extracting(ApiError::status, ApiError::code)
        .containsExactly(400, "unsupported_by_provider");
    GiveUp.Answer rateLimited = giveUp.noCandidates(limited, "m");
    assertThat(rateLimited.error()).extracting(ApiError::status, ApiError::code)
        .containsExactly(429, "provider_rate_limited");
    assertThat(rateLimited.retryAfterMillis()).isEqualTo(3_000);
    GiveUp.Answer none = giveUp.noCandidates(down, "m");
    assertThat(none.error()).extracting(ApiError::status, ApiError::code, ApiError::param)
        .containsExactly(503, "no_provider_available", "model");
    assertThat(none.shouldRetry()).as("a minute is not a short wait").isFalse();
  }
}
