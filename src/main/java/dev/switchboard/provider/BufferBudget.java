package dev.switchboard.provider;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of whole (non-stream) replies the gateway may hold in memory at once, across every request and event
 * loop ({@code server.max_buffered_responses}). A per-reply limit alone lets ten concurrent 50 MB replies exhaust
 * the heap; this one bounds their sum, so a reply beyond it is refused visibly instead of failing somewhere inside
 * an allocation.
 *
 * <p>Thread-safe and lock-free: one {@link AtomicLong}, reserved and released by compare-and-set, never above
 * the capacity and never below zero.
 */
public final class BufferBudget {
  private final long capacityBytes;
  private final AtomicLong usedBytes = new AtomicLong();

  public BufferBudget(long capacityBytes) {
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacityBytes must not be negative, got " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
  }

  /** Takes {@code bytes} from the budget if all of them are free; false (and nothing taken) if not. */
  public boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
    }
    while (true) {
      long used = usedBytes.get();
      if (bytes > capacityBytes - used) {
        return false;
      }
      if (usedBytes.compareAndSet(used, used + bytes)) {
        return true;
      }
    }
  }

  /** Gives back bytes taken by {@link #tryReserve}; releasing more than is held is a bug, so it fails loudly. */
  public void release(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
    }
    while (true) {
      long used = usedBytes.get();
      if (bytes > used) {
        throw new IllegalStateException("released " + bytes + " bytes but only " + used + " are reserved");
      }
      if (usedBytes.compareAndSet(used, used - bytes)) {
        return;
      }
    }
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  public long usedBytes() {
    return usedBytes.get();
  }
}
