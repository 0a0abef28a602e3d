package dev.switchboard.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import dev.switchboard.config.PayloadLogConfig;
import dev.switchboard.config.Secrets;

import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The payload log's file and its one writer thread. Event loops only {@link #offer} records: a bounded queue (by
 * count, and by the bytes the records hold) takes them or drops them, counted through {@code dropped}; the thread
 * redacts, encodes and appends them to a file rolled by size and day through a Logback context of its own, apart from
 * the process's logs. Thread-safe.
 */
public final class PayloadWriter implements AutoCloseable {
  /** Bodies waiting for the writer hold at most this many bytes, whatever the queue's length. */
  static final long MAX_QUEUED_BYTES = 64L << 20;
  private static final PayloadRecord STOP = new PayloadRecord(null, null, null, null, 0, null, false,
      io.vertx.core.buffer.Buffer.buffer(), new byte[0], false);

  private final BlockingQueue<PayloadRecord> queue;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final PayloadRedactor redactor;
  private final Runnable dropped;
  private final Clock clock;
  private final LoggerContext context = new LoggerContext();
  private final Logger file;
  private final Thread thread;
  private final AtomicLong written = new AtomicLong();

  public PayloadWriter(PayloadLogConfig config, Secrets secrets, Runnable dropped, Clock clock) {
    this(config, secrets, dropped, clock, true);
  }

  /** @param start false leaves the writer thread unstarted until {@link #start()} (tests fill the queue first) */
  PayloadWriter(PayloadLogConfig config, Secrets secrets, Runnable dropped, Clock clock, boolean start) {
    this.queue = new ArrayBlockingQueue<>(config.queue());
    this.redactor = new PayloadRedactor(config.redact(), secrets, config.maxBytes());
    this.dropped = dropped;
    this.clock = clock;
    context.setName("switchboard-payloads");
    context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName("payloads");
    appender.setFile(config.file().path());
    appender.setRollingPolicy(LogbackSetup.rolling(context, appender, config.file()));
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    appender.setEncoder(encoder);
    appender.start();
    file = context.getLogger("payloads");
    file.setLevel(Level.INFO);
    file.setAdditive(false);
    file.addAppender(appender);
    thread = new Thread(this::drain, "switchboard-payload-writer");
    thread.setDaemon(true);
    if (start) {
      thread.start();
    }
  }

  void start() {
    thread.start();
  }

  /** Queues {@code record} for writing, or drops it (counted) when the queue is full. Never blocks. */
  void offer(PayloadRecord record) {
    long bytes = record.bytes();
    if (queuedBytes.addAndGet(bytes) > MAX_QUEUED_BYTES || !queue.offer(record)) {
      queuedBytes.addAndGet(-bytes);
      dropped.run();
    }
  }

  /** Lines written so far (for tests and the admin view). */
  public long written() {
    return written.get();
  }

  private void drain() {
    while (true) {
      PayloadRecord r;
      try {
        r = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (r == STOP) {
        return;
      }
      queuedBytes.addAndGet(-r.bytes());
      try {
        file.info(redactor.line(r, clock.instant()));
        written.incrementAndGet();
      } catch (RuntimeException e) {
        // A record that cannot be encoded is lost alone; the thread goes on with the next.
        dropped.run();
      }
    }
  }

  /** Writes what is queued, then closes the file. */
  @Override
  public void close() {
    try {
      queue.put(STOP);
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    context.stop();
  }
}
