package dev.switchboard.api;

/** Carries an {@link ApiError} through a failed future to the one place that writes it. */
public final class ApiException extends RuntimeException {
  private final ApiError error;

  public ApiException(ApiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public ApiError error() {
    return error;
  }
}
