package dev.switchboard.api;

import io.vertx.core.MultiMap;

/**
 * One request's trace as the layers below the front door see it: routing opens an {@link AttemptTrace} per upstream
 * try, and the telemetry's finish listener ends the request's own span. {@link #NONE} when tracing is off (or the
 * request was not sampled), so the hot path pays one virtual call and no allocation.
 */
public interface RequestTrace {
  RequestTrace NONE = new RequestTrace() {
    @Override
    public AttemptTrace attempt(String providerId, String model, int number, MultiMap upstreamHeaders) {
      return AttemptTrace.NONE;
    }

    @Override
    public void finished(RequestOutcome outcome, double cost) {
    }
  };

  /**
   * An upstream attempt starts: opens its span as a child of the request's and puts the W3C context
   * ({@code traceparent}, {@code tracestate}) into the {@code upstreamHeaders} about to be sent.
   *
   * @param number 1 for the request's first attempt
   */
  AttemptTrace attempt(String providerId, String model, int number, MultiMap upstreamHeaders);

  /** The reply is over: the request's span gets its outcome and ends. */
  void finished(RequestOutcome outcome, double cost);
}
