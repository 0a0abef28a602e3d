package dev.switchboard.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.SwitchboardConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The batching appender on a private {@link LoggerContext} writing to a recording stream: what arrives, in which
 * order, in how many writes; drops, stop and the writer's sleep.
 */
class BatchingAppenderTest {
  /** A writer that never wakes on its own during a test: only stop() or a producer's unpark moves it. */
  private static final long FOREVER = TimeUnit.HOURS.toNanos(1);

  private final LoggerContext context = new LoggerContext();
  private final Recording recording = new Recording();
  private final AtomicLong clock = new AtomicLong();
  private BatchingAppender appender;

  @AfterEach
  void stop() {
    recording.gate.countDown();
    context.stop();
  }

  /** Started and attached to the private context's root, writing "%msg%n" (scrubbed) through a 64 KiB buffer. */
  private BatchingAppender start(int capacity, long parkNanos, Secrets secrets) {
    context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern("%level %msg%n");
    ScrubbingEncoder encoder = new ScrubbingEncoder(text, secrets);
    encoder.setContext(context);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> out = new OutputStreamAppender<>();
    out.setContext(context);
    out.setEncoder(encoder);
    out.setOutputStream(new BufferedOutputStream(recording, 64 * 1024));
    out.setImmediateFlush(false);
    appender = new BatchingAppender(out, capacity, parkNanos, clock::get);
    appender.setContext(context);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    if (parkNanos == FOREVER) {
      // Its first look found the queue empty: what is logged from now on waits for stop() or an unpark.
      await().atMost(Duration.ofSeconds(10)).until(() -> appender.writer().getState() == Thread.State.TIMED_WAITING);
    }
    return appender;
  }

  private List<String> lines() {
    String all = recording.text();
    return all.isEmpty() ? List.of() : Arrays.asList(all.split("\n"));
  }

  @Test
  void aBurstArrivesWholeInOrderAndInOneWrite() {
    start(16_384, FOREVER, Secrets.none());
    Logger log = context.getLogger("dev.switchboard.Burst");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      log.info("line " + i + " of the burst");
      expected.add("INFO line " + i + " of the burst");
    }

    context.stop(); // wakes the parked writer, which drains everything and flushes once

    assertThat(lines()).containsExactlyElementsOf(expected);
    assertThat(recording.writes.get()).as("1,000 lines (~22 KB) queued while the writer slept: one write")
        .isEqualTo(1);
  }

  @Test
  void linesFromSeveralThreadsKeepEachThreadsOrder() throws Exception {
    start(100_000, TimeUnit.MILLISECONDS.toNanos(1), Secrets.none());
    int threads = 4;
    int each = 5_000;
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread producer = new Thread(() -> {
        Logger log = context.getLogger("dev.switchboard.Producer" + id);
        for (int i = 0; i < each; i++) {
          log.info("p" + id + " #" + i);
        }
      });
      producer.start();
      producers.add(producer);
    }
    for (Thread p : producers) {
      p.join();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> lines().size() == threads * each);

    int[] next = new int[threads];
    for (String line : lines()) {
      assertThat(line).matches("INFO p\\d #\\d+");
      int id = line.charAt(6) - '0';
      int n = Integer.parseInt(line.substring(line.indexOf('#') + 1));
      assertThat(n).as("p%d's lines in order", id).isGreaterThanOrEqualTo(next[id]);
      next[id] = n + 1;
    }
    assertThat(appender.dropped()).as("room for all of them").isZero();
    assertThat(recording.writes.get()).as("lines go out in batches").isLessThan(threads * each / 10);
  }

  @Test
  void aFullQueueDropsCountsAndSaysSoInTheOutput() throws Exception {
    recording.gate = new CountDownLatch(1);
    start(4, TimeUnit.MILLISECONDS.toNanos(1), Secrets.none());
    Logger log = context.getLogger("dev.switchboard.Full");
    log.info("first");
    assertThat(recording.writing.await(10, TimeUnit.SECONDS)).as("the writer took it and is stuck writing").isTrue();

    for (int i = 0; i < 6; i++) {
      log.info("q" + i);
    }
    assertThat(appender.dropped()).as("4 queued at most").isEqualTo(2);
    recording.gate.countDown();

    await().atMost(Duration.ofSeconds(10)).until(() -> lines().size() == 6);
    assertThat(lines()).startsWith("INFO first", "INFO q0", "INFO q1", "INFO q2", "INFO q3");
    assertThat(lines().get(5)).isEqualTo("WARN 2 log lines dropped: the log output could not keep up (4 lines "
        + "queued at most); 2 since start");
  }

  @Test
  void stopWritesEverythingQueuedBeforeReturning() {
    start(16_384, FOREVER, Secrets.none());
    Logger log = context.getLogger("dev.switchboard.Stop");
    for (int i = 0; i < 3_000; i++) {
      log.warn("queued " + i);
    }
    assertThat(recording.text()).as("the writer is parked: nothing written yet").isEmpty();

    context.stop();

    assertThat(lines()).hasSize(3_000).endsWith("WARN queued 2999");
    assertThat(recording.flushes.get()).isPositive();
  }

  @Test
  void aLineLoggedWhileTheWriterSleepsWakesItAndAppears() {
    start(16_384, TimeUnit.MILLISECONDS.toNanos(1), Secrets.none());
    Logger log = context.getLogger("dev.switchboard.Idle");
    log.info("before the pause");
    await().atMost(Duration.ofSeconds(10)).until(() -> lines().contains("INFO before the pause"));
    await("idle for 50 wakes, then asleep until woken").atMost(Duration.ofSeconds(10)).until(appender::asleep);

    log.info("after the pause");

    await().atMost(Duration.ofSeconds(30)).until(() -> lines().contains("INFO after the pause"));
  }

  @Test
  void secretsAreScrubbedFromEveryLineOfABatch() {
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        providers:
          up: {type: openai, base_url: "http://127.0.0.1:9/v1", api_key: fw_22charsProviderKey1, models: [m1]}
        """, Map.of());
    start(16_384, FOREVER, Secrets.of(config));
    Logger log = context.getLogger("dev.switchboard.Scrub");
    Logger access = context.getLogger(ScrubbingEncoder.ACCESS_LOGGER);
    for (int i = 0; i < 200; i++) {
      log.warn(i + " provider said: invalid key fw_22charsProviderKey1");
      access.info("{\"n\":" + i + ",\"auth\":\"Bearer unknown-token-abcdef123\"}");
    }

    context.stop();

    assertThat(lines()).hasSize(400);
    assertThat(recording.text()).doesNotContain("fw_22charsProviderKey1", "unknown-token-abcdef123");
    assertThat(lines().get(0)).isEqualTo("WARN 0 provider said: invalid key [redacted]");
    assertThat(lines().get(1)).as("access lines are written as they are, scrubbed")
        .isEqualTo("{\"n\":0,\"auth\":\"[redacted]\"}");
    assertThat(recording.writes.get()).isEqualTo(1);
  }

  /** The bytes written, and how: each write(2) of the file descriptor this stands for, each flush. */
  private static final class Recording extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    /** Writes wait for this: a writer stuck on a slow output. */
    volatile CountDownLatch gate = new CountDownLatch(0);
    final CountDownLatch writing = new CountDownLatch(1);

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writing.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (bytes) {
        bytes.write(b, off, len);
      }
      writes.incrementAndGet();
    }

    @Override
    public void flush() {
      flushes.incrementAndGet();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
