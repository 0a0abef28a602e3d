package dev.switchboard;

import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * JUL to stdout through a bounded queue and one writer thread, so an event loop that logs never waits on the
 * terminal or a slow log collector. When the queue is full, lines are dropped and counted rather than blocking.
 */
public final class LogSetup {
  private static volatile AsyncHandler handler;
  /** JUL holds loggers weakly: a level set on one nobody references is lost at the next GC. */
  private static final Logger NETTY = Logger.getLogger("io.netty");
  private static final Logger METER_REGISTRY = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");

  private LogSetup() {
  }

  private static Level jul(String level) {
    return switch (level) {
      case "debug" -> Level.FINE;
      case "warn" -> Level.WARNING;
      case "error" -> Level.SEVERE;
      default -> Level.INFO;
    };
  }

  /** A reload's {@code logging.level}: the levels change, the handlers stay as installed (or not, in tests). */
  public static synchronized void level(String level) {
    Level jul = jul(level);
    LogManager.getLogManager().getLogger("").setLevel(jul);
    if (handler != null) {
      handler.setLevel(jul);
    }
    NETTY.setLevel(jul.intValue() < Level.INFO.intValue() ? Level.INFO : jul);
  }

  public static synchronized void install(String level) {
    Level jul = jul(level);
    Logger root = LogManager.getLogManager().getLogger("");
    if (handler == null) {
      for (Handler h : root.getHandlers()) {
        root.removeHandler(h);
      }
      handler = new AsyncHandler(System.out, 65_536);
      root.addHandler(handler);
      Runtime.getRuntime().addShutdownHook(new Thread(LogSetup::flush, "switchboard-log-flush"));
    }
    root.setLevel(jul);
    handler.setLevel(jul);
    // Netty and Vert.x internals are noisy at FINE; keep them at INFO unless asked.
    NETTY.setLevel(jul.intValue() < Level.INFO.intValue() ? Level.INFO : jul);
    // Every gateway instance's HTTP server registers Vert.x's shared connection gauge; Micrometer warns about the
    // duplicates at start-up although they are expected and harmless.
    METER_REGISTRY.setLevel(Level.SEVERE);
  }

  public static void flush() {
    AsyncHandler h = handler;
    if (h != null) {
      h.flush();
    }
  }

  /**
   * JUL's own shutdown hook resets every handler, racing ours: the shutdown's log lines would vanish. This manager
   * ignores that reset; Switchboard's shutdown hook resets it when it is done.
   */
  public static final class ShutdownAwareLogManager extends LogManager {
    private static volatile ShutdownAwareLogManager instance;

    public ShutdownAwareLogManager() {
      instance = this;
    }

    @Override
    public void reset() {
      // ignored: see class comment
    }

    static void resetNow() {
      ShutdownAwareLogManager m = instance;
      if (m != null) {
        m.reallyReset();
      }
    }

    private void reallyReset() {
      super.reset();
    }
  }

  /** Plain lines: access-log records are already JSON; others get a timestamp, level and logger. */
  static final class LineFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
      String msg = formatMessage(r);
      if ("switchboard.access".equals(r.getLoggerName())) {
        return msg;
      }
      StringBuilder sb = new StringBuilder(96 + msg.length());
      sb.append(Instant.ofEpochMilli(r.getMillis())).append(' ').append(r.getLevel().getName()).append(' ')
          .append(shortName(r.getLoggerName())).append(" - ").append(msg);
      if (r.getThrown() != null) {
        sb.append(" : ").append(r.getThrown());
        for (StackTraceElement e : r.getThrown().getStackTrace()) {
          sb.append("\n    at ").append(e);
        }
      }
      return sb.toString();
    }

    private static String shortName(String name) {
      if (name == null) {
        return "root";
      }
      int dot = name.lastIndexOf('.');
      return dot < 0 ? name : name.substring(dot + 1);
    }
  }

  static final class AsyncHandler extends Handler {
    private final BlockingQueue<String> queue;
    private final PrintStream out;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

    AsyncHandler(PrintStream out, int capacity) {
      this.out = out;
      this.queue = new ArrayBlockingQueue<>(capacity);
      setFormatter(new LineFormatter());
      writer = new Thread(this::drain, "switchboard-log-writer");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      if (!queue.offer(getFormatter().format(record))) {
        dropped.incrementAndGet();
      }
    }

    private void drain() {
      while (true) {
        try {
          String line = queue.take();
          out.println(line);
          long lost = dropped.getAndSet(0);
          if (lost > 0) {
            out.println(Instant.now() + " WARNING LogSetup - " + lost + " log lines dropped: output too slow");
          }
          if (queue.isEmpty()) {
            out.flush();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Throwable t) {
          // Keep logging through anything (even an OutOfMemoryError elsewhere): a dead writer loses every later line.
          dropped.incrementAndGet();
        }
      }
    }

    @Override
    public void flush() {
      String line;
      while ((line = queue.poll()) != null) {
        out.println(line);
      }
      out.flush();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
