package dev.switchboard.usage;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One slice of traffic (everything, a provider, a service type) counted two ways: in a rolling window of
 * {@value #SLOTS} slots, and since the last reset. A slot whose time has passed is replaced by a fresh cell with one
 * compare-and-set (the loser of a race records into the winner's cell), so recording never locks. Thread-safe.
 */
final class StatsSeries {
  static final int SLOTS = 60;

  private final long slotNanos;
  private final AtomicReferenceArray<StatsCell> slots = new AtomicReferenceArray<>(SLOTS);
  private final AtomicReference<StatsCell> sinceReset;

  StatsSeries(long windowNanos, long resetAtMillis) {
    this.slotNanos = Math.max(1, windowNanos / SLOTS);
    this.sinceReset = new AtomicReference<>(new StatsCell(resetAtMillis));
  }

  void record(long nowNanos, long requests, boolean success, long failovers, long latencyMillis, double cost) {
    slot(nowNanos).add(requests, success, failovers, latencyMillis, cost);
    sinceReset.get().add(requests, success, failovers, latencyMillis, cost);
  }

  private StatsCell slot(long nowNanos) {
    long epoch = Math.floorDiv(nowNanos, slotNanos);
    int i = (int) Math.floorMod(epoch, (long) SLOTS);
    StatsCell cell = slots.get(i);
    if (cell != null && cell.epoch == epoch) {
      return cell;
    }
    StatsCell fresh = new StatsCell(epoch);
    return slots.compareAndSet(i, cell, fresh) ? fresh : slots.get(i);
  }

  /** The last {@value #SLOTS} slots up to now (the current one partly filled). */
  StatsSummary window(long nowNanos) {
    long current = Math.floorDiv(nowNanos, slotNanos);
    StatsSummary s = new StatsSummary();
    for (int i = 0; i < SLOTS; i++) {
      StatsCell cell = slots.get(i);
      if (cell != null && cell.epoch > current - SLOTS && cell.epoch <= current) {
        cell.addTo(s);
      }
    }
    return s;
  }

  StatsSummary sinceReset() {
    StatsSummary s = new StatsSummary();
    sinceReset.get().addTo(s);
    return s;
  }

  void reset(long atMillis) {
    sinceReset.set(new StatsCell(atMillis));
  }
}
