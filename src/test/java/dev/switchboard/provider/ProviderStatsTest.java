package dev.switchboard.provider;

import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderStatsTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void countsAttemptsFailuresAndInFlight() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    s.started();
    s.started();
    s.started();
    assertThat(s.inFlight()).isEqualTo(3);
    s.failed();
    s.failed();
    assertThat(s.consecutiveFailures()).isEqualTo(2);
    s.succeeded(10_000_000);
    assertThat(s.consecutiveFailures()).isZero();
    assertThat(s.inFlight()).isZero();
    assertThat(s.window()).containsExactly(3, 2);
    assertThat(s.errorRate()).isCloseTo(2 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void neutralOutcomesDoNotCountAsFailures() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    s.started();
    s.neutral(true);
    s.started();
    s.neutral(false);
    assertThat(s.window()).as("an answered client error counts as a working attempt; a cancel not at all")
        .containsExactly(1, 0);
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void ewmaMovesTowardsNewSamples() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    assertThat(s.latencyMillis()).isEqualTo(-1);
    s.started();
    s.succeeded(100_000_000);
    assertThat(s.latencyMillis()).isEqualTo(100.0);
    for (int i = 0; i < 20; i++) {
      s.started();
      s.succeeded(10_000_000);
    }
    assertThat(s.latencyMillis()).isBetween(10.0, 12.0);
    s.firstToken(5_000_000);
    assertThat(s.firstTokenMillis()).isEqualTo(5.0);
  }

  @Test
  void oldOutcomesLeaveTheWindow() {
    // 10 s window: 60 slots of ~167 ms.
    ProviderStats s = new ProviderStats(Duration.ofSeconds(10), clock, clock);
    s.started();
    s.failed();
    assertThat(s.window()[1]).isEqualTo(1);
    clock.advanceMillis(9_500);
    assertThat(s.window()).as("still within the window").containsExactly(1, 1);
    clock.advanceMillis(500);
    assertThat(s.window()).containsExactly(0, 0);
    assertThat(s.failures()).as("lifetime counters stay").isEqualTo(1);
  }

  @Test
  void lastSuccessAndFailureAreStampedFromTheInjectedWallClock() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    s.started();
    s.failed();
    long failedAt = clock.millis();
    clock.advanceSeconds(3);
    s.started();
    s.succeeded(1_000_000);
    assertThat(s.lastFailureMillis()).isEqualTo(failedAt);
    assertThat(s.lastSuccessMillis()).isEqualTo(failedAt + 3_000);
  }

  @Test
  void resetWindowForgets() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    s.started();
    s.failed();
    s.resetWindow();
    assertThat(s.window()).containsExactly(0, 0);
    assertThat(s.consecutiveFailures()).isZero();
  }

  @Test
  void outcomesFromEveryThreadCountInOneWindowAndLeaveItTogether() throws Exception {
    // 10 s window: 60 slots of ~167 ms. The counts are striped by thread; the window is their sum.
    ProviderStats s = new ProviderStats(Duration.ofSeconds(10), clock, clock);
    int threads = 6;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean failing = t % 2 == 0;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 1_000; i++) {
            s.started();
            if (failing) {
              s.failed();
            } else {
              s.succeeded(1_000_000);
            }
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(s.window()).containsExactly(6_000, 3_000);
    assertThat(s.inFlight()).isZero();

    // The same slot a whole window later: claimed afresh, every thread's row of it forgotten.
    clock.advanceMillis(10_000);
    s.started();
    s.succeeded(1_000_000);
    assertThat(s.window()).containsExactly(1, 0);
  }

  @Test
  void aSuccessAfterFailuresClearsTheRunAndTheLastSuccessMovesWithTheClock() {
    ProviderStats s = new ProviderStats(Duration.ofSeconds(60), clock, clock);
    s.started();
    s.succeeded(1_000_000);
    long first = s.lastSuccessMillis();
    s.started();
    s.succeeded(1_000_000);
    assertThat(s.lastSuccessMillis()).as("same millisecond").isEqualTo(first);
    clock.advanceMillis(1);
    s.started();
    s.failed();
    s.started();
    s.failed();
    s.started();
    s.succeeded(1_000_000);
    assertThat(s.consecutiveFailures()).isZero();
    assertThat(s.lastSuccessMillis()).isEqualTo(first + 1);
  }
}
