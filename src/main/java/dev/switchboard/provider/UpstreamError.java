package dev.switchboard.provider;

/**
 * An upstream failure as the adapter understood it. The message is already safe to show a client: adapters
 * never copy text that could carry the provider's key.
 *
 * @param status upstream HTTP status, or 0 when the failure came in-band in a stream
 * @param code provider error code (e.g. "context_length_exceeded", "insufficient_quota"), or null
 * @param type provider error type, or null
 * @param param offending parameter for client errors, or null
 * @param retryAfterMillis from Retry-After / retry-after-ms, or -1
 */
public record UpstreamError(int status, String message, String code, String type, String param,
                            long retryAfterMillis) {
}
