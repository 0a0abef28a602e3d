package dev.switchboard.server;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Writes one access-log line (a JSON object) for a finished request straight into a caller's {@link StringBuilder}:
 * no JSON tree, no encoder, no {@code String.format}, no date formatter per line. The fields and their order are the
 * access log's contract (README); strings are JSON-escaped here, numbers written as JSON numbers.
 *
 * <p>Not thread-safe: one per thread (it caches the formatted date of the last second it saw).
 */
final class AccessLogLine {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** The epoch second {@link #secondText} was formatted for ("yyyy-MM-ddTHH:mm:ss."). */
  private long second = Long.MIN_VALUE;
  private String secondText = "";

  /** Appends the line of {@code o}, ended at wall time {@code epochMillis}, to {@code sb}. */
  void append(StringBuilder sb, RequestOutcome o, long epochMillis) {
    long startNanos = o.startNanos();
    sb.append("{\"ts\":\"");
    timestamp(sb, epochMillis);
    sb.append("\",\"type\":\"access\",\"request_id\":");
    string(sb, o.requestId());
    sb.append(",\"method\":");
    string(sb, o.method());
    sb.append(",\"path\":");
    string(sb, o.path());
    sb.append(",\"status\":").append(o.status()).append(",\"outcome\":");
    string(sb, o.outcomeLabel());
    sb.append(",\"duration_ms\":");
    millis(sb, o.endNanos() - startNanos);
    GatewayRequest req = o.request();
    if (req != null) {
      sb.append(",\"client\":");
      string(sb, req.clientKey());
      sb.append(",\"model\":");
      string(sb, req.model());
      sb.append(",\"stream\":").append(req.stream()).append(",\"cache\":");
      string(sb, lowerAscii(o.cacheStatus()));
    }
    if (o.provider() != null) {
      sb.append(",\"provider\":");
      string(sb, o.provider());
      sb.append(",\"upstream_model\":");
      string(sb, o.upstreamModel());
    }
    List<String> attempts = o.attempts();
    if (!attempts.isEmpty()) {
      sb.append(",\"attempts\":\"");
      for (int i = 0; i < attempts.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        escaped(sb, attempts.get(i));
      }
      sb.append('"');
    }
    if (o.firstTokenNanos() > 0) {
      sb.append(",\"ttft_ms\":");
      millis(sb, o.firstTokenNanos() - startNanos);
    }
    Usage u = o.usage();
    if (!u.isEmpty()) {
      sb.append(",\"prompt_tokens\":").append(u.promptTokens())
          .append(",\"completion_tokens\":").append(u.completionTokens());
    }
    if (o.cacheHit()) {
      // Answered from the cache: nothing spent; these are the tokens the original outcome used.
      Usage saved = o.cachedUsage();
      sb.append(",\"saved_prompt_tokens\":").append(saved.promptTokens())
          .append(",\"saved_completion_tokens\":").append(saved.completionTokens());
    }
    if (o.degraded()) {
      sb.append(",\"degraded\":true");
    }
    if (o.error() != null) {
      sb.append(",\"error_code\":");
      string(sb, o.error().code());
    }
    sb.append('}');
  }

  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-06T15:04:33.123Z; the date part is formatted once a second. */
  void timestamp(StringBuilder sb, long epochMillis) {
    long sec = Math.floorDiv(epochMillis, 1000);
    if (sec != second) {
      second = sec;
      LocalDateTime t = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC);
      StringBuilder s = new StringBuilder(20);
      s.append(t.getYear()).append('-');
      two(s, t.getMonthValue());
      s.append('-');
      two(s, t.getDayOfMonth());
      s.append('T');
      two(s, t.getHour());
      s.append(':');
      two(s, t.getMinute());
      s.append(':');
      two(s, t.getSecond());
      secondText = s.append('.').toString();
    }
    int ms = (int) Math.floorMod(epochMillis, 1000);
    sb.append(secondText).append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10))
        .append((char) ('0' + ms % 10)).append('Z');
  }

  private static void two(StringBuilder s, int v) {
    s.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
  }

  /** Nanoseconds as milliseconds rounded to hundredths, written like a Java double (12.0, 1.5, 0.07). */
  static void millis(StringBuilder sb, long nanos) {
    long hundredths = Math.round(nanos / 1e4);
    if (hundredths < 0) {
      sb.append('-');
      hundredths = -hundredths;
    }
    sb.append(hundredths / 100).append('.');
    int frac = (int) (hundredths % 100);
    if (frac == 0) {
      sb.append('0');
    } else if (frac % 10 == 0) {
      sb.append((char) ('0' + frac / 10));
    } else {
      sb.append((char) ('0' + frac / 10)).append((char) ('0' + frac % 10));
    }
  }

  /** A JSON string, or null. */
  static void string(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    escaped(sb, s);
    sb.append('"');
  }

  /** The characters of {@code s} as they go inside a JSON string (RFC 8259: quote, backslash, controls). */
  static void escaped(StringBuilder sb, String s) {
    int n = s.length();
    int plain = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(s, plain, i);
      plain = i + 1;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    sb.append(s, plain, n);
  }

  /** The x-switchboard-cache value in lower case; the usual three without allocating. */
  private static String lowerAscii(String s) {
    if (s == null) {
      return null;
    }
    return switch (s) {
      case "BYPASS" -> "bypass";
      case "MISS" -> "miss";
      case "HIT" -> "hit";
      default -> s.toLowerCase(java.util.Locale.ROOT);
    };
  }
}
