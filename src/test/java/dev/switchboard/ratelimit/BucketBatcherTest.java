package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Coalescing a bucket's operations: one call in flight per bucket, everything arriving meanwhile in the next. */
class BucketBatcherTest {
  private static final Limits LIMITS = new Limits(100, 0, 100, 0);
  private final Vertx vertx = Vertx.vertx();
  /** Each call the store received: its operations, and the promise that answers it. */
  private final List<List<BucketBatcher.Op>> calls = new CopyOnWriteArrayList<>();
  private final List<Promise<List<Buckets.Take>>> answers = new CopyOnWriteArrayList<>();
  private final BucketBatcher batcher = new BucketBatcher((bucket, limits, ops) -> {
    calls.add(ops);
    Promise<List<Buckets.Take>> p = Promise.promise();
    answers.add(p);
    return p.future();
  });

  @AfterEach
  void close() {
    vertx.close();
  }

  private Future<Buckets.Take> take(Context context, double tokens) {
    Promise<Buckets.Take> p = Promise.promise();
    batcher.submit("key:k", LIMITS, new BucketBatcher.Op(BucketBatcher.Mode.TAKE, 1, tokens, p), context);
    return p.future();
  }

  /** Answers a call: the n-th take of it admitted with n requests left (adjusts and clamps get null). */
  private static List<Buckets.Take> outcomes(List<BucketBatcher.Op> ops) {
    List<Buckets.Take> out = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      out.add(ops.get(i).promise() == null ? null : new Buckets.Take(true, i, ops.get(i).tokens(), 0));
    }
    return out;
  }

  @Test
  void takesArrivingWhileACallIsInFlightAllGoInTheNextCallInOrder() throws Exception {
    Context context = vertx.getOrCreateContext();
    Future<Buckets.Take> first = take(context, 0);
    await().until(() -> calls.size() == 1);

    List<Future<Buckets.Take>> waiting = new ArrayList<>();
    for (int i = 1; i <= 99; i++) {
      waiting.add(take(context, i));
    }
    batcher.submit("key:k", LIMITS, new BucketBatcher.Op(BucketBatcher.Mode.ADJUST, 0, 5, null), context);
    assertThat(calls).as("one call in flight per bucket: the 100 others wait for it").hasSize(1);

    answers.get(0).complete(outcomes(calls.get(0)));
    assertThat(first.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).admitted()).isTrue();
    await().until(() -> calls.size() == 2);
    List<BucketBatcher.Op> second = calls.get(1);
    assertThat(second).as("99 takes and the adjust in one call").hasSize(100);
    for (int i = 0; i < 99; i++) {
      assertThat(second.get(i).tokens()).as("in arrival order").isEqualTo(i + 1);
    }
    assertThat(second.get(99).mode()).isEqualTo(BucketBatcher.Mode.ADJUST);

    answers.get(1).complete(outcomes(second));
    for (int i = 0; i < 99; i++) {
      Buckets.Take t = waiting.get(i).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(t.tokensLeft()).as("each take gets its own outcome").isEqualTo(i + 1);
    }
    take(context, 0);
    await().until(() -> calls.size() == 3);
    assertThat(calls.get(2)).as("an idle lane sends the next take at once").hasSize(1);
  }

  @Test
  void takesOfOneTickShareOneCall() {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      for (int i = 0; i < 10; i++) {
        take(context, i);
      }
    });
    await().until(() -> calls.size() == 1);
    assertThat(calls.get(0)).hasSize(10);
  }

  @Test
  void aStoreThatAnswersAtOnceDrainsTheLaneWithoutWaiting() throws Exception {
    BucketBatcher local = new BucketBatcher((bucket, limits, ops) -> Future.succeededFuture(outcomes(ops)));
    Context context = vertx.getOrCreateContext();
    List<Future<Buckets.Take>> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Promise<Buckets.Take> p = Promise.promise();
      local.submit("key:k", LIMITS, new BucketBatcher.Op(BucketBatcher.Mode.TAKE, 1, 0, p), context);
      all.add(p.future());
    }
    Future.all(all).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(all).allMatch(f -> f.result().admitted());
  }
}
