package dev.switchboard.server;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * One JSON line per client request: who, what, where it went, how it ended. Never a body, never a key.
 *
 * <p>Cheap on the event loop: the line is written by {@link AccessLogLine} into a builder reused per thread (no JSON
 * tree, no formatter), and handed straight to a Logback logger (not through java.util.logging and its bridge, which
 * cost a JUL record and a second event per line), whose batching appender only queues it for its writer thread
 * (bounded and lock-free; a full queue drops lines instead of blocking; see logging/LogbackSetup). Its level is
 * Logback's {@code switchboard.access} logger's, so {@code logging.levels} and a reload turn it off and on.
 */
public final class AccessLog implements FinishListener {
  private static final Logger LOG = LoggerFactory.getLogger("switchboard.access");
  /** A builder that grew past this (a very long model name or path) is not kept for the thread's next line. */
  private static final int KEEP_CAPACITY = 4096;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final boolean enabled;
  private final LongSupplier wallMillis;

  public AccessLog(boolean enabled) {
    this(enabled, System::currentTimeMillis);
  }

  /** @param wallMillis the clock of the lines' {@code ts} */
  public AccessLog(boolean enabled, LongSupplier wallMillis) {
    this.enabled = enabled;
    this.wallMillis = wallMillis;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    if (!enabled || !LOG.isInfoEnabled()) {
      return;
    }
    LOG.info(line(outcome));
  }

  /** The line of {@code outcome}, built in this thread's reused builder. */
  String line(RequestOutcome outcome) {
    Scratch s = SCRATCH.get();
    StringBuilder sb = s.builder;
    sb.setLength(0);
    s.line.append(sb, outcome, wallMillis.getAsLong());
    String line = sb.toString();
    if (sb.capacity() > KEEP_CAPACITY) {
      s.builder = new StringBuilder(512);
    }
    return line;
  }

  /** One thread's builder and line writer (with its cached date). */
  private static final class Scratch {
    StringBuilder builder = new StringBuilder(512);
    final AccessLogLine line = new AccessLogLine();
  }
}
