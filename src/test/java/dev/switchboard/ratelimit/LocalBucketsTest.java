package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Buckets asked with other limits than they were made with: a reload changed a key's or provider's limits. */
class LocalBucketsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LocalBuckets buckets = new LocalBuckets(now::get);

  @Test
  void unchangedLimitsKeepTheBucketAndItsState() {
    Limits limits = new Limits(10, 0, 10, 0);
    TokenBucket first = buckets.view("key:a", limits);
    first.tryTake(0);

    assertThat(buckets.view("key:a", new Limits(10, 0, 10, 0))).as("equal limits, new instance").isSameAs(first);
    assertThat(buckets.view("key:a", limits).availableRequests()).isEqualTo(9.0);
  }

  @Test
  void aLoweredLimitResizesTheBucketAndKeepsNoMoreThanWasLeft() {
    buckets.view("key:a", new Limits(100, 0, 100, 0)).tryTake(0);

    TokenBucket lowered = buckets.view("key:a", new Limits(1, 0, 1, 0));

    assertThat(lowered.limits().rpm()).isEqualTo(1);
    assertThat(lowered.availableRequests()).isEqualTo(1.0);
    assertThat(buckets.takeNow("key:a", new Limits(1, 0, 1, 0), 0).admitted()).isTrue();
    assertThat(buckets.takeNow("key:a", new Limits(1, 0, 1, 0), 0).admitted()).isFalse();
  }

  @Test
  void aRaisedLimitDoesNotHandOutAFreshBurst() {
    TokenBucket small = buckets.view("key:a", new Limits(2, 0, 2, 0));
    small.tryTake(0);
    small.tryTake(0);

    TokenBucket raised = buckets.view("key:a", new Limits(100, 0, 100, 0));

    assertThat(raised.availableRequests()).as("empty stays empty; it refills at the new rate").isEqualTo(0.0);
  }
}
