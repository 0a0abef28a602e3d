package dev.switchboard.provider.gemini;

import dev.switchboard.provider.TranslatingAdapter;
import dev.switchboard.provider.UpstreamError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Gemini errors ({@code {"error":{"code","message","status","details"}}}, sometimes wrapped in an array) as
 * {@link UpstreamError}s the gateway's error classes understand. Gemini answers a bad API key with 400
 * INVALID_ARGUMENT: that is the provider key's fault (401 here), not the client's. RESOURCE_EXHAUSTED is a rate
 * limit, or a spent quota when a per-day quota ran out; its {@code RetryInfo} becomes the retry hint. An input over
 * the model's limit is {@code context_length_exceeded}. Messages are scrubbed of anything key-like.
 */
final class GeminiErrors {
  private GeminiErrors() {
  }

  /** An error inside a stream (status 0: it came in-band). */
  static UpstreamError inBand(JsonObject error) {
    return of(0, error, -1);
  }

  /** @param status the HTTP status, or 0 for an error that came in-band in a stream */
  static UpstreamError of(int status, JsonObject error, long headerRetryAfter) {
    String grpc = error.getValue("status") instanceof String s ? s : null;
    String message = TranslatingAdapter.errorMessage(error, status);
    String lower = message.toLowerCase(Locale.ROOT);
    JsonArray details = error.getValue("details") instanceof JsonArray d ? d : new JsonArray();
    long retryAfter = retryDelay(details);
    if (retryAfter < 0) {
      retryAfter = headerRetryAfter;
    }
    if (hasReason(details, "API_KEY_INVALID") || lower.contains("api key not valid") || lower.contains("api key expired")) {
      return new UpstreamError(status == 0 ? 0 : 401, message, "invalid_api_key", grpc, null, retryAfter);
    }
    String code = grpc == null ? null : switch (grpc) {
      case "INVALID_ARGUMENT" -> lower.contains("exceeds the maximum number of tokens")
          || (lower.contains("token count") && lower.contains("exceeds")) ? "context_length_exceeded" : null;
      case "UNAUTHENTICATED" -> "invalid_api_key";
      case "PERMISSION_DENIED" -> "permission_denied";
      case "NOT_FOUND" -> lower.contains("model") ? "model_not_found" : "not_found";
      case "RESOURCE_EXHAUSTED" -> perDayQuota(details) ? "insufficient_quota" : "rate_limit_exceeded";
      case "FAILED_PRECONDITION" -> "failed_precondition";
      case "INTERNAL" -> "server_error";
      case "UNAVAILABLE" -> "overloaded";
      case "DEADLINE_EXCEEDED" -> "timeout";
      default -> null;
    };
    return new UpstreamError(status, message, code, grpc, null, retryAfter);
  }

  private static boolean hasReason(JsonArray details, String reason) {
    for (Object d : details) {
      if (d instanceof JsonObject detail && reason.equals(detail.getValue("reason"))) {
        return true;
      }
    }
    return false;
  }

  /** A {@code QuotaFailure} naming a per-day quota: no retry helps before tomorrow. */
  private static boolean perDayQuota(JsonArray details) {
    for (Object d : details) {
      if (d instanceof JsonObject detail && detail.getValue("violations") instanceof JsonArray violations) {
        for (Object v : violations) {
          if (v instanceof JsonObject violation && violation.getValue("quotaId") instanceof String id
              && id.contains("PerDay")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** {@code RetryInfo.retryDelay} ("37s", "1.5s") in milliseconds, or -1. */
  private static long retryDelay(JsonArray details) {
    for (Object d : details) {
      if (d instanceof JsonObject detail && detail.getValue("retryDelay") instanceof String delay
          && delay.endsWith("s")) {
        try {
          return Math.max(0, (long) (Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1000));
        } catch (NumberFormatException ignored) {
          return -1;
        }
      }
    }
    return -1;
  }
}
