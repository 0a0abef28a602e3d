package dev.switchboard.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what is logged through java.util.logging (Vert.x's and Switchboard's logs) while a test runs; a named
 * logger is also captured on Logback's side (the access log logs to Logback directly).
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;
  private ch.qos.logback.classic.Logger logback;
  private AppenderBase<ILoggingEvent> logbackCapture;

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  /** Everything logged, at the root logger. */
  public static LogCapture start() {
    return start("");
  }

  /** What one logger logs, e.g. {@code switchboard.access} (the access log's JSON lines). */
  public static LogCapture start(String loggerName) {
    LogCapture capture = new LogCapture(Logger.getLogger(loggerName));
    capture.setLevel(Level.ALL);
    capture.logger.addHandler(capture);
    if (!loggerName.isEmpty() && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      capture.logback = context.getLogger(loggerName);
      capture.logbackCapture = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          LogRecord r = new LogRecord(julLevel(e.getLevel()), e.getFormattedMessage());
          r.setLoggerName(e.getLoggerName());
          capture.records.add(r);
        }
      };
      capture.logbackCapture.setContext(context);
      capture.logbackCapture.start();
      capture.logback.addAppender(capture.logbackCapture);
    }
    return capture;
  }

  private static Level julLevel(ch.qos.logback.classic.Level level) {
    return switch (level.toInt()) {
      case ch.qos.logback.classic.Level.ERROR_INT -> Level.SEVERE;
      case ch.qos.logback.classic.Level.WARN_INT -> Level.WARNING;
      case ch.qos.logback.classic.Level.INFO_INT -> Level.INFO;
      case ch.qos.logback.classic.Level.DEBUG_INT -> Level.FINE;
      default -> Level.FINEST;
    };
  }

  /** The messages logged so far, in order. */
  public List<String> messages() {
    return records.stream().map(LogRecord::getMessage).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  /** Records at WARNING or above, or carrying a stack trace, as "LEVEL logger: message" lines. */
  public List<String> problems() {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue() || r.getThrown() != null)
        .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]"))
        .toList();
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
    if (logback != null) {
      logback.detachAppender(logbackCapture);
      logbackCapture.stop();
    }
  }
}
