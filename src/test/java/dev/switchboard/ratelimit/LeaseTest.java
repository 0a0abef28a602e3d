package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** One instance's lease in a shared bucket: its view never exceeds what Redis holds for it. On an injected clock. */
class LeaseTest {
  private static final Limits HUNDRED = new Limits(100, 0, 100, 0);
  private static final Limits TOKENS = new Limits(100, 1_000, 100, 1_000);
  private static final long VALID = Duration.ofSeconds(30).toNanos();
  private final FakeClock clock = new FakeClock();
  private final Lease lease = new Lease(VALID);

  private int drain(Limits limits, long tokens) {
    int admitted = 0;
    while (lease.take(limits, tokens, clock.getAsLong())) {
      admitted++;
    }
    return admitted;
  }

  @Test
  void usableOnlyOnceRedisAnsweredAndOnlyUntilItsExpiryCountedFromTheSend() {
    assertThat(lease.take(HUNDRED, 0, clock.getAsLong())).as("nothing is known before an answer").isFalse();
    Lease.Report sent = lease.send(clock.getAsLong());
    clock.advance(Duration.ofMillis(200));
    lease.answered(sent, 5, 0, 0, 0);
    assertThat(lease.take(HUNDRED, 0, clock.getAsLong())).isTrue();

    clock.advanceNanos(VALID - Duration.ofMillis(200).toNanos() - 1);
    assertThat(lease.take(HUNDRED, 0, clock.getAsLong())).as("a nanosecond before the expiry").isTrue();
    clock.advanceNanos(1);
    assertThat(lease.valid(clock.getAsLong())).isFalse();
    assertThat(drain(HUNDRED, 0)).as("expired from the send, not the answer: Redis may drop it then").isZero();
    assertThat(lease.state().requests()).as("three left, but no longer ours").isEqualTo(3);
  }

  @Test
  void aCallWhoseOutcomeIsUnknownTeachesNothing() {
    lease.answered(lease.send(clock.getAsLong()), 2, 0, 0, 0);
    lease.send(clock.getAsLong());
    // The call timed out: Redis may have topped the lease up to 5, or not; it is used as last known.
    assertThat(drain(HUNDRED, 0)).isEqualTo(2);
  }

  @Test
  void whatWasSpentWhileACallWasInFlightIsNotCountedBackIn() {
    lease.answered(lease.send(clock.getAsLong()), 5, 500, 0, 0);
    Lease.Report sent = lease.send(clock.getAsLong());
    // Meanwhile another call timed out, the breaker opened and two requests were admitted from the lease.
    assertThat(lease.take(TOKENS, 100, clock.getAsLong())).isTrue();
    assertThat(lease.take(TOKENS, 100, clock.getAsLong())).isTrue();
    // Redis answers the call that left before them: it still holds 5 and 500.
    lease.answered(sent, 5, 500, 0, 0);
    assertThat(lease.state().requests()).isEqualTo(3);
    assertThat(lease.state().tokens()).isEqualTo(300);
    assertThat(lease.send(clock.getAsLong()).spentRequests()).as("reported as a running total").isEqualTo(2);
  }

  @Test
  void whatRedisAsksBackLeavesTheViewWhenTheNextCallIsSentNotWhenRedisConfirms() {
    lease.answered(lease.send(clock.getAsLong()), 5, 0, 5, 0);
    assertThat(lease.state().requests()).as("usable until given back").isEqualTo(5);
    Lease.Report giving = lease.send(clock.getAsLong());
    assertThat(giving.returnedRequests()).isEqualTo(5);
    // That call timed out: Redis may have put the 5 back in the pool for the others, so they are gone here.
    assertThat(drain(HUNDRED, 0)).isZero();
    Lease.Report next = lease.send(clock.getAsLong());
    assertThat(next.returnedRequests()).as("a running total: Redis applies the 5 once, whichever call gets there")
        .isEqualTo(5);
  }

  @Test
  void leavingGivesEverythingBack() {
    lease.answered(lease.send(clock.getAsLong()), 5, 400, 0, 0);
    Lease.Report last = lease.release(clock.getAsLong());
    assertThat(last.returnedRequests()).isEqualTo(5);
    assertThat(last.returnedTokens()).isEqualTo(400);
    assertThat(drain(TOKENS, 0)).isZero();
  }
}
