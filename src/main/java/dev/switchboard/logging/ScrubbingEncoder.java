package dev.switchboard.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.switchboard.config.Secrets;

import java.nio.charset.StandardCharsets;

/**
 * The last step before any log line is written: access-log lines pass as they are (they are JSON already, built by
 * the access log), every other line is formatted by the text or JSON encoder; then every configured secret (by value,
 * in all its escaped forms) and anything shaped like a credential is removed. It runs on the batching appender's writer
 * thread, so the scrubbing costs the event loops nothing.
 */
final class ScrubbingEncoder extends EncoderBase<ILoggingEvent> {
  static final String ACCESS_LOGGER = "switchboard.access";
  private static final byte[] NONE = new byte[0];

  private final Encoder<ILoggingEvent> format;
  private final Secrets secrets;

  ScrubbingEncoder(Encoder<ILoggingEvent> format, Secrets secrets) {
    this.format = format;
    this.secrets = secrets;
  }

  @Override
  public byte[] headerBytes() {
    return NONE;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    String line = ACCESS_LOGGER.equals(event.getLoggerName())
        ? event.getFormattedMessage() + "\n"
        : new String(format.encode(event), StandardCharsets.UTF_8);
    return CredentialPatterns.scrub(secrets.scrub(line)).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return NONE;
  }

  @Override
  public void start() {
    format.start();
    super.start();
  }

  @Override
  public void stop() {
    format.stop();
    super.stop();
  }
}
