package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Coalesces the concurrent operations on one bucket into one call to the shared store, so a burst of N takes costs a
 * handful of round trips instead of N: each bucket has at most one call in flight; operations arriving meanwhile
 * wait in the bucket's lane and all go together in the next call, which the store applies in order, atomically. The
 * first operation on an idle lane schedules its flush on the next tick of its context, so takes arriving in the same
 * tick join it too.
 *
 * <p>Thread-safe and lock-free: a lane's pending operations are a stack swapped by CAS (the flush takes them all in
 * one {@code getAndSet}), and one flag CAS decides who flushes.
 */
final class BucketBatcher {

  /** One operation: a take (with its promise) or a fire-and-forget adjust or clamp. */
  record Op(Mode mode, double requests, double tokens, Promise<Buckets.Take> promise) {
  }

  enum Mode {
    /**
     * CHARGE is an adjust (by minus what a fallback share admitted) whose application the store reports back; SYNC
     * changes nothing itself: it sends a call for the lease's report and top-up alone.
     */
    TAKE("t"), ADJUST("a"), CLAMP("c"), CHARGE("a"), SYNC("n");

    final String wire;

    Mode(String wire) {
      this.wire = wire;
    }
  }

  /**
   * Applies a lane's operations in order; the future never fails and holds one entry per operation (the take's
   * outcome, or null for an adjust or clamp).
   */
  interface Store {
    Future<List<Buckets.Take>> apply(String bucket, Limits limits, List<Op> ops);
  }

  private record Node(Op op, Node next) {
  }

  private static final class Lane {
    final AtomicReference<Node> pending = new AtomicReference<>();
    final AtomicBoolean busy = new AtomicBoolean();
    volatile Limits limits;

    Lane(Limits limits) {
      this.limits = limits;
    }
  }

  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  private final Store store;

  BucketBatcher(Store store) {
    this.store = store;
  }

  /** Queues an operation on a bucket; a flush is scheduled on {@code context} when the lane is idle. */
  void submit(String bucket, Limits limits, Op op, Context context) {
    Lane lane = lanes.get(bucket);
    if (lane == null) {
      lane = lanes.computeIfAbsent(bucket, k -> new Lane(limits));
    }
    lane.limits = limits;
    Node head;
    do {
      head = lane.pending.get();
    } while (!lane.pending.compareAndSet(head, new Node(op, head)));
    if (lane.busy.compareAndSet(false, true)) {
      Lane l = lane;
      context.runOnContext(v -> flush(bucket, l));
    }
  }

  /** Sends everything pending; when the answer is there, sends what arrived meanwhile, until the lane is empty. */
  private void flush(String bucket, Lane lane) {
    while (true) {
      Node taken = lane.pending.getAndSet(null);
      if (taken == null) {
        lane.busy.set(false);
        // An operation pushed between the getAndSet and the release saw the lane busy and left the flush to us.
        if (lane.pending.get() != null && lane.busy.compareAndSet(false, true)) {
          continue;
        }
        return;
      }
      List<Op> ops = new ArrayList<>();
      for (Node n = taken; n != null; n = n.next) {
        ops.add(n.op);
      }
      java.util.Collections.reverse(ops);
      Future<List<Buckets.Take>> done = store.apply(bucket, lane.limits, ops);
      if (!done.isComplete()) {
        done.onComplete(ar -> {
          deliver(ops, done);
          flush(bucket, lane);
        });
        return;
      }
      // Answered at once (decided locally): loop rather than recurse.
      deliver(ops, done);
    }
  }

  private static void deliver(List<Op> ops, Future<List<Buckets.Take>> done) {
    List<Buckets.Take> results = done.succeeded() ? done.result() : null;
    for (int i = 0; i < ops.size(); i++) {
      Promise<Buckets.Take> p = ops.get(i).promise();
      if (p == null) {
        continue;
      }
      if (results != null && results.get(i) != null) {
        p.tryComplete(results.get(i));
      } else {
        p.tryFail(done.failed() ? done.cause() : new IllegalStateException("no outcome for a take"));
      }
    }
  }
}
