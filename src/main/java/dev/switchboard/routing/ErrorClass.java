package dev.switchboard.routing;

/** What a failed attempt means for the rest of the request; each {@link FailureKind} has one. */
public enum ErrorClass {
  /** Momentary on this provider: retry it after a backoff (or its short Retry-After), then move on. */
  RETRY_SAME,
  /**
   * This provider cannot serve now (unreachable, timed out, credentials refused, quota spent, model unknown): move
   * on at once; only when no other target is left is a transient one retried here.
   */
  FAILOVER,
  /** The request itself is at fault: no other provider will do better; the client gets the error. */
  FINAL;

  /** The class of an upstream error reply, as {@link FailureKind} has it. */
  public static ErrorClass ofStatus(int status, dev.switchboard.provider.UpstreamError error) {
    return Failures.kindOf(new dev.switchboard.provider.UpstreamError(status, error.message(), error.code(),
        error.type(), error.param(), error.retryAfterMillis())).errorClass();
  }
}
