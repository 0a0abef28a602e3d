package dev.switchboard.provider.openai;

import dev.switchboard.provider.UpstreamError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Reads OpenAI-style error bodies and retry hints, and scrubs anything that looks like a credential. */
public final class OpenAiErrors {
  /** OpenAI's 401 message echoes part of the key ("sk-proj-****abcd"); other providers echo more. */
  private static final Pattern KEY_LIKE = Pattern.compile(
      "(sk|pk|rk|gsk|sk-ant|sk-or|AIza)[-_A-Za-z0-9*]{6,}|Bearer\\s+\\S+|[A-Za-z0-9_\\-]{32,}");
  private static final int MAX_MESSAGE = 1000;

  private OpenAiErrors() {
  }

  public static UpstreamError read(int status, MultiMap headers, Buffer body) {
    String message = null;
    String code = null;
    String type = null;
    String param = null;
    JsonObject json = parse(body);
    if (json != null) {
      Object err = json.getValue("error");
      if (err instanceof JsonObject e) {
        message = safeMessage(e);
        code = scrubbed(e.getValue("code"));
        type = scrubbed(e.getValue("type"));
        param = scrubbed(e.getValue("param"));
      } else if (err instanceof String s) {
        message = scrub(s);
      } else if (json.getValue("message") instanceof String s) {
        message = scrub(s);
      }
    }
    if (message == null || message.isBlank()) {
      message = "HTTP " + status;
    }
    return new UpstreamError(status, message, code, type, param, retryAfterMillis(headers));
  }

  public static String safeMessage(JsonObject error) {
    Object m = error.getValue("message");
    return m == null ? "no message" : scrub(m.toString());
  }

  public static String scrub(String text) {
    String s = KEY_LIKE.matcher(text).replaceAll("[redacted]");
    return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "…" : s;
  }

  /** {@code retry-after-ms} (OpenAI), then {@code Retry-After} in seconds or as an HTTP date; -1 if absent. */
  public static long retryAfterMillis(MultiMap headers) {
    if (headers == null) {
      return -1;
    }
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Math.max(0, (long) Double.parseDouble(ms.trim()));
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    String ra = headers.get("retry-after");
    if (ra == null) {
      return rateLimitResetMillis(headers);
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(ra.trim()) * 1000));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(ra.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException ignored) {
        return -1;
      }
    }
  }

  /**
   * Without Retry-After, OpenAI-style {@code x-ratelimit-reset-requests} / {@code -tokens} ("1s", "6m0s", "250ms")
   * tell when the exhausted limit refills; the later of the exhausted ones, or -1.
   */
  static long rateLimitResetMillis(MultiMap headers) {
    long wait = -1;
    for (String kind : new String[] {"requests", "tokens"}) {
      String remaining = headers.get("x-ratelimit-remaining-" + kind);
      String reset = headers.get("x-ratelimit-reset-" + kind);
      if (reset != null && remaining != null && remaining.trim().equals("0")) {
        wait = Math.max(wait, goDurationMillis(reset.trim()));
      }
    }
    return wait;
  }

  /** Parses Go-style durations such as "1m30.5s", "20ms" or "2h"; -1 if it is not one. */
  static long goDurationMillis(String text) {
    java.util.regex.Matcher m = GO_DURATION_PART.matcher(text);
    double millis = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double n = Double.parseDouble(m.group(1));
      millis += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1000;
        case "ms" -> n;
        case "us", "µs" -> n / 1000;
        default -> n / 1_000_000;
      };
      end = m.end();
    }
    return end == 0 || end != text.length() ? -1 : (long) Math.ceil(millis);
  }

  private static final java.util.regex.Pattern GO_DURATION_PART =
      java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|h|m|s)");

  private static JsonObject parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      return dev.switchboard.api.JsonText.firstNonBlank(body) == '{' ? new JsonObject(body) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String scrubbed(Object v) {
    return v == null ? null : scrub(v.toString());
  }
}
