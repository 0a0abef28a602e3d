package dev.switchboard.routing;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.config.FirstTokenConfig;

import java.time.Duration;

/**
 * How long one stream attempt may go without a content event (text, tool call) before it is abandoned — before
 * the commit point, so the next candidate is tried and the client never sees the silent provider. The first that
 * names one wins: the request's {@value #HEADER} header, the alias's {@code first_token}, the provider's
 * {@code timeouts.first_token}; else it is derived from the provider's live p99 time to first token × the configured
 * factor, bounded, so it works with no tuning. Thread-safe (immutable; the stats it reads are).
 */
final class FirstTokenDeadline {
  static final String HEADER = "x-switchboard-first-token-timeout";
  /** No first-token deadline: only the provider's first_byte and idle timeouts apply. */
  static final long NONE = -1;

  private final FirstTokenConfig config;

  FirstTokenDeadline(FirstTokenConfig config) {
    this.config = config;
  }

  /**
   * The deadline for a stream attempt of {@code target}, in nanos after its request was sent, or {@link #NONE}.
   *
   * @param requestMillis the request's own deadline from {@value #HEADER}, or -1
   */
  long nanos(Target target, Route route, long requestMillis) {
    if (requestMillis > 0) {
      return requestMillis * 1_000_000;
    }
    if (route != null && route.firstToken() != null) {
      return route.firstToken().toNanos();
    }
    Duration own = target.provider().config().timeouts().firstToken();
    if (own != null) {
      return own.toNanos();
    }
    if (!config.auto()) {
      return NONE;
    }
    long p99 = target.provider().stats().streamFirstTokenMillis(0.99, config.minSamples());
    if (p99 < 0) {
      return NONE;
    }
    long millis = (long) Math.ceil(p99 * config.factor());
    millis = Math.max(config.min().toMillis(), Math.min(config.max().toMillis(), millis));
    return millis * 1_000_000;
  }

  /**
   * The {@value #HEADER} value in millis ("2500ms", "3s", or plain millis), -1 when absent.
   *
   * @throws ApiException 400 when it is not a positive duration
   */
  static long requestMillis(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    return millis(header, HEADER, "invalid_first_token_timeout", "a positive duration up to 1h such as 5s or 2500ms");
  }

  /** A header's duration in millis ("2500ms", "3s", or plain millis), positive and at most 1 h; else a 400. */
  static long millis(String header, String name, String code, String expected) {
    String text = header.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    if (text.endsWith("ms")) {
      text = text.substring(0, text.length() - 2);
    } else if (text.endsWith("s")) {
      text = text.substring(0, text.length() - 1);
      unit = 1_000;
    }
    try {
      long value = Long.parseLong(text.trim());
      if (value > 0 && value <= 3_600_000 / unit) {
        return value * unit;
      }
    } catch (NumberFormatException e) {
      // worded below
    }
    throw new ApiException(ApiError.invalid("Invalid " + name + " '" + abbreviated(header.trim())
        + "': use " + expected + ".", name, code));
  }

  private static String abbreviated(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }
}
