package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.ratelimit.RateLimiter.Admission;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded per-key queues of requests waiting for their key's bucket to refill: highest priority first, then
 * first come first served, each until its deadline ({@code ratelimit.queue.max_wait}). Thread-safe: every event loop
 * enqueues, the {@link RateLimitVerticle} drains; each queue is guarded by its own monitor, with no I/O inside.
 */
final class KeyQueues {
  private final RateLimitConfig config;
  private final Buckets buckets;
  private final GatewayMetrics metrics;
  private final Map<String, KeyQueue> queues = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  KeyQueues(RateLimitConfig config, Buckets buckets, GatewayMetrics metrics) {
    this.config = config;
    this.buckets = buckets;
    this.metrics = metrics;
  }

  private record Waiter(int priority, long seq, long estimate, Context context, long deadline,
                        Promise<Admission> promise, String keyName, Limits limits) {
  }

  private static final class KeyQueue {
    final String bucket;
    final Limits limits;
    /** Highest priority first, then first come first served. Guarded by the queue's monitor (no I/O inside). */
    final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> a.priority != b.priority
        ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq));
    boolean busy;

    KeyQueue(String bucket, Limits limits) {
      this.bucket = bucket;
      this.limits = limits;
    }
  }

  /** Queues a refused request; refused at once ({@code first}'s verdict) when the key's queue is full. */
  Future<Admission> enqueue(String keyName, String bucket, Limits limits, long estimate, int priority,
                            Context context, Buckets.Take first) {
    KeyQueue queue = queues.computeIfAbsent(keyName, k -> new KeyQueue(bucket, limits));
    Waiter w = new Waiter(priority, sequence.incrementAndGet(), estimate, context,
        System.nanoTime() + config.queueMaxWait().toNanos(), Promise.promise(), keyName, limits);
    synchronized (queue) {
      if (queue.waiting.size() >= config.queueMaxLength()) {
        metrics.rateLimit("key", "rejected");
        return Future.succeededFuture(Admission.rejected(keyName, limits, first, estimate));
      }
      queue.waiting.add(w);
    }
    metrics.rateLimit("key", "queued");
    return w.promise.future();
  }

  /** How many requests of this key wait, for the admin view. */
  int waiting(String keyName) {
    KeyQueue q = queues.get(keyName);
    if (q == null) {
      return 0;
    }
    synchronized (q) {
      return q.waiting.size();
    }
  }

  /** Whether any request waits; the verticle drains only then. */
  boolean anyQueued() {
    for (KeyQueue q : queues.values()) {
      synchronized (q) {
        if (!q.waiting.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Admits waiting requests whose bucket has refilled, head of each queue first, and refuses those whose wait ran
   * out. Called from the rate-limit verticle's event loop only; each waiter is completed on its own context.
   */
  void drain() {
    long now = System.nanoTime();
    for (KeyQueue q : queues.values()) {
      Waiter head;
      synchronized (q) {
        expire(q, now);
        if (q.busy || q.waiting.isEmpty()) {
          continue;
        }
        head = q.waiting.peek();
        q.busy = true;
      }
      buckets.take(q.bucket, q.limits, head.estimate).onComplete(ar -> {
        boolean admitted = ar.succeeded() && ar.result().admitted();
        boolean stillWaiting;
        synchronized (q) {
          q.busy = false;
          stillWaiting = q.waiting.remove(head);
        }
        if (admitted && !stillWaiting) {
          // Its wait ran out (it was refused) while this take was in flight: the share goes back.
          buckets.adjust(q.bucket, q.limits, 1, head.estimate);
          return;
        }
        if (!admitted && stillWaiting) {
          synchronized (q) {
            q.waiting.add(head);
          }
          return;
        }
        if (admitted) {
          metrics.rateLimit("key", "admitted");
          Admission a = Admission.admitted(q.limits, ar.result(), head.estimate);
          head.context.runOnContext(v -> head.promise.tryComplete(a));
        }
      });
    }
  }

  private void expire(KeyQueue q, long now) {
    q.waiting.removeIf(w -> {
      if (now - w.deadline < 0) {
        return false;
      }
      metrics.rateLimit("key", "rejected");
      TokenBucket view = buckets.view(q.bucket, q.limits);
      Buckets.Take take = new Buckets.Take(false, view.availableRequests(), view.availableTokens(),
          view.waitNanos(w.estimate) / 1_000_000);
      Admission a = Admission.rejected(w.keyName, w.limits, take, w.estimate);
      w.context.runOnContext(v -> w.promise.tryComplete(a));
      return true;
    });
  }
}
