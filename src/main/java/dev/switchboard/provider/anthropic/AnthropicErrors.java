package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.TranslatingAdapter;
import dev.switchboard.provider.UpstreamError;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Anthropic errors ({@code {"type":"error","error":{"type","message"}}}) as {@link UpstreamError}s whose status and
 * code the gateway's error classes understand: 529 {@code overloaded_error} and 5xx are transient, 401/403 are the
 * provider key's fault, a spent credit balance is a spent quota, a prompt too long is {@code context_length_exceeded}.
 * Messages are scrubbed of anything key-like.
 */
final class AnthropicErrors {
  private AnthropicErrors() {
  }

  /** An {@code error} event inside a stream (status 0: it came in-band). */
  static UpstreamError inBand(JsonObject error) {
    return of(0, error, -1);
  }

  /** @param status the HTTP status, or 0 for an error that came in-band in a stream */
  static UpstreamError of(int status, JsonObject error, long retryAfter) {
    String type = error.getValue("type") instanceof String t ? t : null;
    String message = TranslatingAdapter.errorMessage(error, status);
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("credit balance is too low")) {
      // Sent as a 400 invalid_request_error, but no request will do better until someone pays: a spent quota.
      return new UpstreamError(status == 0 ? 0 : 402, message, "insufficient_quota", type, null, retryAfter);
    }
    return new UpstreamError(status, message, code(type, lower), type, null, retryAfter);
  }

  private static String code(String type, String lowerMessage) {
    if (type == null) {
      return null;
    }
    return switch (type) {
      case "invalid_request_error" -> lowerMessage.contains("prompt is too long")
          || lowerMessage.contains("exceed context limit") || lowerMessage.contains("context window")
          ? "context_length_exceeded" : null;
      case "authentication_error" -> "invalid_api_key";
      case "permission_error" -> "permission_denied";
      case "billing_error" -> "insufficient_quota";
      case "not_found_error" -> lowerMessage.contains("model") ? "model_not_found" : "not_found";
      case "request_too_large" -> "request_too_large";
      case "rate_limit_error" -> "rate_limit_exceeded";
      case "api_error" -> "server_error";
      case "timeout_error" -> "timeout";
      case "overloaded_error" -> "overloaded";
      default -> null;
    };
  }
}
