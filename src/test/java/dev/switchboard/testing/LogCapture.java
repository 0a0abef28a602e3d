package dev.switchboard.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what is logged through java.util.logging (Vert.x's and Switchboard's logs) while a test runs. */
public final class LogCapture extends Handler implements AutoCloseable {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger;

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
    return capture;
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
  }
}
