package dev.switchboard.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.joran.spi.ConsoleTarget;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.switchboard.config.LogFile;
import dev.switchboard.config.LoggingConfig;
import dev.switchboard.config.Secrets;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.io.BufferedOutputStream;
import java.util.Locale;

/**
 * Configures Logback from the {@code logging} section: root and per-logger levels, text or JSON lines, stdout or a
 * rolled file, every line scrubbed of secrets, all behind a {@link BatchingAppender} that drops (and counts) rather
 * than blocks when the output cannot keep up (an event loop that logs never waits on a terminal or a disk, nor wakes
 * a thread), and writes what is queued in batches. Switchboard's own
 * {@code java.util.logging} call sites reach Logback through the JUL bridge; Logback's level changes are propagated to
 * JUL so a disabled level costs a JUL call nothing. An operator's {@code -Dlogback.configurationFile} wins: then only
 * the bridge is installed.
 */
public final class LogbackSetup {
  public static final String OVERRIDE_PROPERTY = "logback.configurationFile";
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} - %msg"
      + "%replace( request_id=%X{request_id}){' request_id=$', ''}%replace( trace_id=%X{trace_id}){' trace_id=$', ''}"
      + "%n%ex";
  private static final int QUEUE = 16_384;
  /**
   * The writer's sleep between batches: lines show within a few ms, a busy gateway's lines go ~80 per write, and the
   * timed wake itself (a futex wait and a context switch, ~15 us of CPU on a loaded machine) costs 200 times a second
   * (2 ms cost 0.5 us per request at 16,000 requests a second, measured; 5 ms cost 0.2 us).
   */
  private static final long BATCH_PARK_NANOS = 5_000_000;
  /** The output's buffer: a batch is written by one write(2) unless it is larger than this. */
  private static final int BUFFER_BYTES = 64 * 1024;

  private LogbackSetup() {
  }

  /** Configures the process-wide Logback context (unless the operator gave a file) and installs the JUL bridge. */
  public static synchronized void install(LoggingConfig config, Secrets secrets) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
        && System.getProperty(OVERRIDE_PROPERTY) == null) {
      configure(context, config, secrets, true);
    }
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  /**
   * A reload's {@code logging.level} and {@code logging.levels}: only the levels change, the appenders stay as
   * installed (format and file need a restart). The propagator carries them to the JUL loggers.
   */
  public static synchronized void levels(LoggingConfig config) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
        && System.getProperty(OVERRIDE_PROPERTY) == null) {
      applyLevels(context, config);
    }
  }

  /**
   * The root level, the quiet defaults of two chatty libraries, and the per-logger levels; a logger whose level the
   * config no longer names inherits again (context.reset() does that at start; a reload does not reset).
   */
  static void applyLevels(LoggerContext context, LoggingConfig config) {
    Level root = level(config.level());
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(root);
    // Netty's internals are noisy below INFO; keep them there unless a per-logger level asks.
    context.getLogger("io.netty").setLevel(root.isGreaterOrEqual(Level.INFO) ? root : Level.INFO);
    // Every gateway instance's HTTP server registers Vert.x's shared connection gauge; Micrometer warns about the
    // duplicates at start-up although they are expected and harmless.
    context.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    for (String earlier : configuredLoggers) {
      if (!config.levels().containsKey(earlier)) {
        context.getLogger(earlier).setLevel(null);
      }
    }
    config.levels().forEach((logger, level) -> context.getLogger(logger).setLevel(level(level)));
    configuredLoggers = java.util.Set.copyOf(config.levels().keySet());
  }

  /** The loggers the running config gave a level of their own. */
  private static volatile java.util.Set<String> configuredLoggers = java.util.Set.of();

  /** Writes out what is queued and closes the files: the last step of a shutdown, after the drain was logged. */
  public static void stop() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
    ShutdownAwareLogManager.resetNow();
  }

  /**
   * Replaces {@code context}'s configuration with the one {@code config} describes; {@code toJul} also sets the JUL
   * loggers' levels to match (the process-wide set-up does; a test's private context must not).
   */
  static void configure(LoggerContext context, LoggingConfig config, Secrets secrets, boolean toJul) {
    context.reset();
    if (toJul) {
      LevelChangePropagator propagator = new LevelChangePropagator();
      propagator.setContext(context);
      propagator.setResetJUL(true);
      propagator.start();
      context.addListener(propagator);
    }

    OutputStreamAppender<ILoggingEvent> out = output(context, config.file());
    ScrubbingEncoder encoder = new ScrubbingEncoder(format(context, config), secrets);
    encoder.setContext(context);
    encoder.start();
    out.setEncoder(encoder);
    // The batching appender's writer flushes once per batch; a flush per line would be a write(2) per line.
    out.setImmediateFlush(false);
    out.start();
    BatchingAppender batching = new BatchingAppender(out, QUEUE, BATCH_PARK_NANOS, System::nanoTime);
    batching.setContext(context);
    batching.setName("batching");
    batching.start();

    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(batching);
    applyLevels(context, config);
  }

  private static OutputStreamAppender<ILoggingEvent> output(LoggerContext context, LogFile file) {
    if (file == null) {
      // System.out's own buffer is 128 bytes: every line longer than that would be a write(2) of its own.
      OutputStreamAppender<ILoggingEvent> console = new OutputStreamAppender<>();
      console.setContext(context);
      console.setName("stdout");
      console.setOutputStream(new BufferedOutputStream(ConsoleTarget.SystemOut.getStream(), BUFFER_BYTES));
      return console;
    }
    RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
    rolling.setContext(context);
    rolling.setName("file");
    rolling.setBufferSize(new FileSize(BUFFER_BYTES));
    rolling.setFile(file.path());
    rolling.setRollingPolicy(rolling(context, rolling, file));
    return rolling;
  }

  /** Daily and by size: {@code path.yyyy-MM-dd.N.gz}, {@code maxHistoryDays} days and {@code totalSize} at most. */
  static SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling(LoggerContext context,
                                                             RollingFileAppender<?> appender, LogFile file) {
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(appender);
    policy.setFileNamePattern(file.path() + ".%d{yyyy-MM-dd}.%i.gz");
    policy.setMaxFileSize(new FileSize(file.maxSizeBytes()));
    policy.setMaxHistory(file.maxHistoryDays());
    policy.setTotalSizeCap(new FileSize(file.totalSizeBytes()));
    policy.start();
    return policy;
  }

  private static Encoder<ILoggingEvent> format(LoggerContext context, LoggingConfig config) {
    if (config.json()) {
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(context);
      json.setIncludeContext(false);
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    return text;
  }

  static Level level(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE;
      case "debug" -> Level.DEBUG;
      case "warn" -> Level.WARN;
      case "error" -> Level.ERROR;
      case "off" -> Level.OFF;
      default -> Level.INFO;
    };
  }
}
