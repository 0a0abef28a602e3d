package dev.switchboard.config;

/**
 * Request and token rates, each a token bucket: refilled continuously at the per-minute rate, holding at most its
 * burst. Zero means unlimited.
 *
 * @param rpm requests per minute
 * @param tpm tokens (prompt + completion) per minute
 * @param burstRequests bucket size for requests; defaults to one minute's worth
 * @param burstTokens bucket size for tokens; defaults to one minute's worth
 */
public record Limits(long rpm, long tpm, long burstRequests, long burstTokens) {
  public static final Limits NONE = new Limits(0, 0, 0, 0);

  public boolean limited() {
    return rpm > 0 || tpm > 0;
  }
}
