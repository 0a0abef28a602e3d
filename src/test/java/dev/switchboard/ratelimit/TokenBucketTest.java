package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** Bucket arithmetic on an injected clock: no sleeping. */
class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;
  private final FakeClock now = new FakeClock();

  private TokenBucket bucket(long rpm, long tpm, long burstRequests, long burstTokens) {
    return new TokenBucket(new Limits(rpm, tpm, burstRequests, burstTokens), now);
  }

  @Test
  void burstThenRefillAtTheRate() {
    TokenBucket b = bucket(60, 0, 3, 0);
    assertThat(b.tryTake(0)).isZero();
    assertThat(b.tryTake(0)).isZero();
    assertThat(b.tryTake(0)).isZero();
    long wait = b.tryTake(0);
    assertThat(wait).as("60 rpm: one request a second").isEqualTo(SECOND);
    now.advanceNanos(SECOND / 2);
    assertThat(b.tryTake(0)).isEqualTo(SECOND / 2);
    now.advanceNanos(SECOND / 2);
    assertThat(b.tryTake(0)).isZero();
    now.advanceNanos(100 * SECOND);
    assertThat(b.availableRequests()).as("never more than the burst").isEqualTo(3.0);
  }

  @Test
  void requestsAndTokensAreTakenTogetherOrNotAtAll() {
    TokenBucket b = bucket(600, 6000, 10, 1000);
    assertThat(b.tryTake(900)).isZero();
    assertThat(b.availableTokens()).isCloseTo(100, offset(1e-6));
    long wait = b.tryTake(200);
    assertThat(wait).as("100 more tokens at 100/s").isEqualTo(SECOND);
    assertThat(b.availableRequests()).as("the refused take left the request slot").isCloseTo(9, offset(1e-6));
    assertThat(b.availableTokens()).isCloseTo(100, offset(1e-6));
  }

  @Test
  void aRequestLargerThanTheBurstGoesWhenFullAndLeavesADebt() {
    TokenBucket b = bucket(0, 600, 0, 100);
    assertThat(b.tryTake(250)).as("bucket full: may go").isZero();
    assertThat(b.availableTokens()).isCloseTo(-150, offset(1e-6));
    // 151 tokens at 10 a second: the debt is paid off first.
    assertThat(b.tryTake(1)).isBetween(15 * SECOND + SECOND / 10 - 1, 15 * SECOND + SECOND / 10 + 1);
    assertThat(b.headroom()).isZero();
  }

  @Test
  void settlingGivesBackOrTakesMore() {
    TokenBucket b = bucket(0, 6000, 0, 1000);
    b.tryTake(500);
    b.adjust(0, 300);
    assertThat(b.availableTokens()).as("the reply used 300 fewer than estimated").isCloseTo(800, offset(1e-6));
    b.adjust(0, -900);
    assertThat(b.availableTokens()).as("the reply used 900 more").isCloseTo(-100, offset(1e-6));
    b.adjust(0, 10_000);
    assertThat(b.availableTokens()).as("capped at the burst").isEqualTo(1000.0);
  }

  @Test
  void clampOnlyEverLowers() {
    TokenBucket b = bucket(60, 6000, 60, 6000);
    b.clamp(5, -1);
    assertThat(b.availableRequests()).isEqualTo(5.0);
    assertThat(b.availableTokens()).isEqualTo(6000.0);
    b.clamp(50, 100);
    assertThat(b.availableRequests()).isEqualTo(5.0);
    assertThat(b.availableTokens()).isEqualTo(100.0);
    assertThat(b.headroom()).isCloseTo(100 / 6000.0, offset(1e-9));
  }

  @Test
  void unlimitedDimensionsNeverWait() {
    TokenBucket b = bucket(0, 0, 0, 0);
    for (int i = 0; i < 1000; i++) {
      assertThat(b.tryTake(1_000_000)).isZero();
    }
    assertThat(b.headroom()).isEqualTo(1.0);
  }

  @Test
  void resetFormatsLikeOpenAi() {
    assertThat(RateLimitHeaders.formatReset(250)).isEqualTo("250ms");
    assertThat(RateLimitHeaders.formatReset(1000)).isEqualTo("1s");
    assertThat(RateLimitHeaders.formatReset(59_001)).isEqualTo("1m0s");
    assertThat(RateLimitHeaders.formatReset(360_000)).isEqualTo("6m0s");
    assertThat(RateLimitHeaders.formatReset(3_723_000)).isEqualTo("1h2m3s");
  }

  @Test
  void aShareScalesBurstAndRateKeepingFractions() {
    // A third of 100 requests a minute: 33.3 at once and 33.3 a minute, never 33 (or "unlimited" when rounded to 0).
    TokenBucket b = new TokenBucket(new Limits(100, 0, 100, 0), 1.0 / 3, now);
    int taken = 0;
    while (b.tryTake(0) == 0) {
      taken++;
    }
    assertThat(taken).isEqualTo(33);
    now.advanceNanos(60 * SECOND);
    assertThat(b.availableRequests()).as("refilled to the share's burst, not the whole").isCloseTo(100.0 / 3, offset(1e-6));
    TokenBucket tiny = new TokenBucket(new Limits(1, 0, 1, 0), 0.5, now);
    assertThat(tiny.tryTake(0)).as("half a request is not one: refused, not unlimited").isPositive();
  }
}
