package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** Each instance's share of a bucket's rate once an outage outlasted the leases, on an injected clock. */
class FallbackSharesTest {
  private static final long SECOND = 1_000_000_000L;
  private static final Limits HUNDRED = new Limits(100, 0, 100, 0);
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  /** An instance among {@code live} instances (the mirror, whatever it says, does not size the share). */
  private FallbackShares instance(double mirrorSays, int live) {
    LocalBuckets mirror = new LocalBuckets(now::get);
    mirror.view("key:k", HUNDRED).set(mirrorSays, 0);
    FallbackShares shares = new FallbackShares(mirror);
    shares.instances(live);
    return shares;
  }

  private static int drain(FallbackShares shares) {
    int admitted = 0;
    while (shares.take("key:k", HUNDRED, 0).admitted()) {
      admitted++;
    }
    return admitted;
  }

  @Test
  void twoInstancesTogetherAdmitWhatTheBucketRefillsNotTwiceIt() {
    FallbackShares one = instance(100, 2);
    FallbackShares two = instance(100, 2);
    assertThat(drain(one) + drain(two)).as("shares start empty: what was left was leased or taken by the others")
        .isZero();
    now.addAndGet(30 * SECOND);
    assertThat(drain(one) + drain(two)).as("each half of the 50 refilled in half a minute").isEqualTo(50);
  }

  @Test
  void aShareRefillsAtItsPartOfTheRateUpToItsPartOfTheBurst() {
    FallbackShares one = instance(0, 2);
    assertThat(drain(one)).isZero();
    now.addAndGet(30 * SECOND);
    assertThat(drain(one)).as("100 a minute among 2: 25 in half a minute").isEqualTo(25);
    now.addAndGet(600 * SECOND);
    assertThat(drain(one)).as("never more than half the burst").isEqualTo(50);
  }

  @Test
  void withoutACountTheInstanceHasTheWholeRate() {
    FallbackShares alone = instance(100, 0);
    assertThat(alone.instances()).isEqualTo(1);
    assertThat(drain(alone)).isZero();
    now.addAndGet(60 * SECOND);
    assertThat(drain(alone)).isEqualTo(100);
  }

  @Test
  void whatTheSharesAdmittedIsOwedToRedisUntilItIsCharged() {
    LocalBuckets mirror = new LocalBuckets(now::get);
    FallbackShares shares = new FallbackShares(mirror);
    Limits tokens = new Limits(100, 10_000, 100, 10_000);
    assertThat(shares.take("key:k", tokens, 100).admitted()).as("a share starts empty").isFalse();
    now.addAndGet(60 * SECOND);
    for (int i = 0; i < 5; i++) {
      assertThat(shares.take("key:k", tokens, 100).admitted()).isTrue();
    }
    shares.adjust("key:k", tokens, 0, 150);
    shares.end();
    double[] owed = shares.charges().get("key:k");
    assertThat(owed[0]).isEqualTo(5.0);
    assertThat(owed[1]).as("500 taken, 150 given back").isCloseTo(350, offset(1e-9));
    assertThat(shares.charges()).as("one charge in flight at a time").isEmpty();

    // Redis went away again before the charge got through: the next share starts below the debt.
    shares.notCharged("key:k");
    assertThat(shares.view("key:k")).as("a new outage starts a new share").isNull();
    assertThat(shares.take("key:k", tokens, 0).admitted()).isFalse();
    now.addAndGet(60 * SECOND);
    int admitted = 0;
    while (shares.take("key:k", tokens, 0).admitted()) {
      admitted++;
    }
    assertThat(admitted).as("a minute's refill, 5 of it already spent").isEqualTo(95);
    shares.end();
    owed = shares.charges().get("key:k");
    assertThat(owed[0]).isEqualTo(100.0);
    shares.charged("key:k", owed[0], owed[1]);
    assertThat(shares.charges()).as("nothing owed once Redis applied it").isEmpty();
  }
}
