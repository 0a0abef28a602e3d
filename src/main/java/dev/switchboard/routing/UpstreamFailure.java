package dev.switchboard.routing;

import dev.switchboard.api.ApiError;

/**
 * An attempt that failed before the client saw anything, with what the client should see if no other attempt
 * succeeds.
 *
 * @param label short form for x-switchboard-attempts, e.g. "503", "timeout", "connect"
 */
public final class UpstreamFailure extends RuntimeException {
  private final FailureKind kind;
  private final ApiError clientError;
  private final String label;
  private final long retryAfterMillis;

  public UpstreamFailure(FailureKind kind, ApiError clientError, String label, long retryAfterMillis) {
    super(clientError.message(), null, false, false);
    this.kind = kind;
    this.clientError = clientError;
    this.label = label;
    this.retryAfterMillis = retryAfterMillis;
  }

  public FailureKind kind() {
    return kind;
  }

  public ErrorClass errorClass() {
    return kind.errorClass();
  }

  public ApiError clientError() {
    return clientError;
  }

  public String label() {
    return label;
  }

  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
