package dev.switchboard.api;

import org.slf4j.MDC;

/**
 * Puts a request's id (and the W3C trace id of its {@code traceparent}, when it sent one) into the logging MDC for
 * the length of one log call, so that line carries them as fields. Scoped to the call, not the request: an event
 * loop interleaves many requests, and a value left behind would label another request's lines.
 *
 * <pre>{@code try (LogScope ignored = LogScope.request(id, traceparent)) { LOG.warning(...); }}</pre>
 */
public final class LogScope implements AutoCloseable {
  public static final String REQUEST_ID = "request_id";
  public static final String TRACE_ID = "trace_id";

  private final String previousRequest;
  private final String previousTrace;

  private LogScope(String previousRequest, String previousTrace) {
    this.previousRequest = previousRequest;
    this.previousTrace = previousTrace;
  }

  /** @param traceparent the request's {@code traceparent} header, or null */
  public static LogScope request(String requestId, String traceparent) {
    LogScope scope = new LogScope(MDC.get(REQUEST_ID), MDC.get(TRACE_ID));
    put(REQUEST_ID, requestId);
    put(TRACE_ID, traceId(traceparent));
    return scope;
  }

  /** The trace id of a {@code version-traceid-spanid-flags} header, or null when it is not one. */
  static String traceId(String traceparent) {
    if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-'
        || traceparent.charAt(35) != '-') {
      return null;
    }
    String id = traceparent.substring(3, 35);
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return null;
      }
    }
    return id.equals("00000000000000000000000000000000") ? null : id;
  }

  @Override
  public void close() {
    put(REQUEST_ID, previousRequest);
    put(TRACE_ID, previousTrace);
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
