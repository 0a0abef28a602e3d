package dev.switchboard.routing;

import dev.switchboard.provider.UpstreamError;

/**
 * What a failed attempt means for the rest of the request. Retries and failover act on it (routing issue); the
 * client-facing error is derived from it either way.
 */
public enum ErrorClass {
  /** Transient on this provider: worth retrying it after a backoff (connect failure, 429, 5xx, timeout). */
  RETRY_SAME,
  /** This provider cannot serve now (bad credentials, quota spent): try the next one. */
  FAILOVER,
  /** The request itself is at fault (400, 404, 422, context length): no other provider will do better. */
  FINAL;

  public static ErrorClass ofStatus(int status, UpstreamError error) {
    if (status == 429) {
      return error != null && "insufficient_quota".equals(error.code()) ? FAILOVER : RETRY_SAME;
    }
    if (status == 401 || status == 402 || status == 403) {
      return FAILOVER;
    }
    if (status == 408 || status == 409 || status >= 500) {
      return RETRY_SAME;
    }
    return FINAL;
  }
}
