package dev.switchboard.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Hands log events to one writer thread that writes them in batches: a producer (an event loop writing the access
 * log) only offers the event to a bounded lock-free queue and wakes nobody, and the writer encodes (and so scrubs) a
 * whole batch into {@code out}'s buffered stream and flushes it once: one {@code write(2)} per batch instead of a
 * futex wake and a {@code write(2)} per line, which is what Logback's {@code AsyncAppender} (a blocking queue and
 * immediate flush) cost.
 *
 * <p>The writer wakes every {@code parkNanos} while lines arrive (5 ms in the gateway: a line reaches the output within
 * a few milliseconds, and at 16,000 lines a second a batch holds about 80 of them). After {@link #IDLE_WAKES} empty
 * wakes in a row it parks until a producer wakes it, so an idle gateway does not spin a timer; only the first line
 * after such a pause pays for an unpark. A full queue drops the event and counts it; the writer reports the count as
 * a WARN line of its own (at most once a second, and at stop). Stopping drains and writes everything queued.
 *
 * <p>Thread-safe: producers touch only the queue, its counter and the {@code asleep} flag; the output appender is
 * used by the writer thread alone until {@link #stop} has joined it.
 */
final class BatchingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** Empty wakes in a row (of {@code parkNanos} each) before the writer parks until a producer wakes it. */
  static final int IDLE_WAKES = 50;
  /** Events written between two flushes at most (the buffered stream also flushes itself when full). */
  static final int MAX_BATCH = 1024;
  private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long ASLEEP_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long STOP_WAIT_MILLIS = 5_000;

  private final OutputStreamAppender<ILoggingEvent> out;
  private final int capacity;
  private final long parkNanos;
  private final LongSupplier nanoClock;
  private final ConcurrentLinkedQueue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
  /** Events offered and not yet taken by the writer: the queue's bound (a {@code ConcurrentLinkedQueue} has none). */
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  /** The writer is parked until a producer unparks it (set only after {@link #IDLE_WAKES} empty wakes). */
  private volatile boolean asleep;
  private volatile boolean stopping;
  private volatile Thread writer;
  /** Writer thread only. */
  private long droppedReported;
  private long lastReportNanos;

  /**
   * @param out       the started-later output (stdout or a rolled file) with a buffered stream and no immediate flush
   * @param capacity  events queued at most; more are dropped and counted
   * @param parkNanos how long the writer sleeps between batches while lines arrive
   * @param nanoClock the clock of the drop reports' rate
   */
  BatchingAppender(OutputStreamAppender<ILoggingEvent> out, int capacity, long parkNanos, LongSupplier nanoClock) {
    this.out = out;
    this.capacity = capacity;
    this.parkNanos = parkNanos;
    this.nanoClock = nanoClock;
  }

  @Override
  public void start() {
    if (isStarted()) {
      return;
    }
    if (!out.isStarted()) {
      out.start();
    }
    stopping = false;
    lastReportNanos = nanoClock.getAsLong() - REPORT_EVERY_NANOS;
    Thread t = new Thread(this::run, "switchboard-log-writer");
    t.setDaemon(true);
    writer = t;
    super.start();
    t.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    // An access-log line is its finished message; it needs none of the caller's thread name or MDC. Any other event
    // is formatted on the writer thread, so what belongs to the caller (thread name, MDC, message) is captured now.
    if (!ScrubbingEncoder.ACCESS_LOGGER.equals(event.getLoggerName())) {
      event.prepareForDeferredProcessing();
    }
    if (queued.getAndIncrement() >= capacity) {
      queued.decrementAndGet();
      dropped.increment();
      return;
    }
    queue.offer(event);
    if (asleep) {
      wake();
    }
  }

  private void wake() {
    asleep = false;
    Thread t = writer;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Events dropped because the queue was full, since start. */
  long dropped() {
    return dropped.sum();
  }

  /** The writer thread (tests wait for it to park). */
  Thread writer() {
    return writer;
  }

  /** Whether the writer is parked until the next event (idle for {@link #IDLE_WAKES} wakes). */
  boolean asleep() {
    return asleep;
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    stopping = true;
    Thread t = writer;
    LockSupport.unpark(t);
    try {
      t.join(STOP_WAIT_MILLIS);
      if (t.isAlive()) {
        addWarn("the log writer did not finish within " + STOP_WAIT_MILLIS + " ms; " + queued.get()
            + " lines may be lost");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.stop();
  }

  private void run() {
    int idleWakes = 0;
    while (true) {
      int written = 0;
      try {
        written = writeBatch();
      } catch (RuntimeException e) {
        addError("the log writer failed a batch", e);
      }
      if (written == MAX_BATCH) {
        continue; // more is waiting: write it now
      }
      if (stopping) {
        if (queue.isEmpty()) {
          break;
        }
        continue;
      }
      if (written > 0) {
        idleWakes = 0;
      } else if (++idleWakes >= IDLE_WAKES) {
        sleepUntilWoken();
        idleWakes = 0;
        continue;
      }
      LockSupport.parkNanos(this, parkNanos);
    }
    reportDrops(true);
    flush();
  }

  /** Parks until a producer offers an event (or stop, or a second passes). */
  private void sleepUntilWoken() {
    asleep = true;
    // Checked after the flag is set: a producer that offered before it saw the flag clear is seen here.
    if (queue.isEmpty() && !stopping) {
      LockSupport.parkNanos(this, ASLEEP_PARK_NANOS);
    }
    asleep = false;
  }

  /** Writes what is queued (up to {@link #MAX_BATCH} events) and flushes once; returns how many it wrote. */
  private int writeBatch() {
    int n = 0;
    ILoggingEvent event;
    while (n < MAX_BATCH && (event = queue.poll()) != null) {
      n++;
      out.doAppend(event);
    }
    if (n > 0) {
      queued.addAndGet(-n);
    }
    boolean reported = reportDrops(false);
    if (n > 0 || reported) {
      flush();
    }
    return n;
  }

  /** Writes a WARN line with the drops since the last report, if any, at most once a second unless {@code now}. */
  private boolean reportDrops(boolean now) {
    long total = dropped.sum();
    long nowNanos = nanoClock.getAsLong();
    if (total == droppedReported || (!now && nowNanos - lastReportNanos < REPORT_EVERY_NANOS)) {
      return false;
    }
    long lost = total - droppedReported;
    droppedReported = total;
    lastReportNanos = nowNanos;
    LoggingEvent warn = new LoggingEvent(BatchingAppender.class.getName(),
        ((LoggerContext) getContext()).getLogger(BatchingAppender.class), Level.WARN,
        lost + " log lines dropped: the log output could not keep up (" + capacity + " lines queued at most); "
            + total + " since start", null, null);
    warn.prepareForDeferredProcessing();
    out.doAppend(warn);
    return true;
  }

  private void flush() {
    OutputStream stream = out.getOutputStream();
    if (stream == null) {
      return;
    }
    try {
      stream.flush();
    } catch (IOException e) {
      addError("the log output failed to flush", e);
    }
  }
}
