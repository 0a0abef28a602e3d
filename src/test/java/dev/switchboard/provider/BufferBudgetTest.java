package dev.switchboard.provider;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferBudgetTest {

  @Test
  void reservesUpToTheCapacityAndNoFurther() {
    BufferBudget budget = new BufferBudget(100);
    assertThat(budget.tryReserve(60)).isTrue();
    assertThat(budget.tryReserve(41)).as("only 40 left").isFalse();
    assertThat(budget.usedBytes()).as("a refused reservation takes nothing").isEqualTo(60);
    assertThat(budget.tryReserve(40)).isTrue();
    assertThat(budget.tryReserve(1)).isFalse();
    budget.release(60);
    assertThat(budget.usedBytes()).isEqualTo(40);
    assertThat(budget.tryReserve(60)).isTrue();
    budget.release(100);
    assertThat(budget.usedBytes()).isZero();
  }

  @Test
  void aReservationLargerThanTheWholeBudgetNeverSucceeds() {
    BufferBudget budget = new BufferBudget(100);
    assertThat(budget.tryReserve(101)).isFalse();
    assertThat(budget.tryReserve(Long.MAX_VALUE)).as("no overflow").isFalse();
    assertThat(budget.usedBytes()).isZero();
  }

  @Test
  void releasingMoreThanIsHeldFailsInsteadOfGoingNegative() {
    BufferBudget budget = new BufferBudget(100);
    budget.tryReserve(10);
    assertThatThrownBy(() -> budget.release(11)).isInstanceOf(IllegalStateException.class);
    assertThat(budget.usedBytes()).isEqualTo(10);
    assertThatThrownBy(() -> budget.tryReserve(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentReserversNeverTogetherHoldMoreThanTheCapacity() throws Exception {
    BufferBudget budget = new BufferBudget(1_000);
    AtomicLong highWater = new AtomicLong();
    AtomicLong overdrawn = new AtomicLong();
    int threads = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> granted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int size = 7 + t * 13;
        granted.add(pool.submit(() -> {
          go.await();
          long count = 0;
          for (int i = 0; i < 20_000; i++) {
            if (budget.tryReserve(size)) {
              long used = budget.usedBytes();
              highWater.accumulateAndGet(used, Math::max);
              if (used > 1_000 || used < 0) {
                overdrawn.incrementAndGet();
              }
              count++;
              budget.release(size);
            }
          }
          return count;
        }));
      }
      go.countDown();
      long total = 0;
      for (Future<Long> f : granted) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).as("the budget was actually used").isPositive();
    } finally {
      pool.shutdownNow();
    }
    assertThat(overdrawn.get()).isZero();
    assertThat(highWater.get()).isLessThanOrEqualTo(1_000);
    assertThat(budget.usedBytes()).as("every reservation was given back").isZero();
  }
}
