package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import io.vertx.core.json.JsonObject;

/**
 * An {@link ApiError} (OpenAI's shape) in Anthropic's: {@code {"type":"error","error":{"type","message"}}} with the
 * status Anthropic uses for that type. Every 503 the gateway produces means "no capacity right now, try again" (no
 * provider available, every provider failed transiently, limits unavailable, shutting down), which is what Anthropic's
 * 529 {@code overloaded_error} tells a Claude client; an upstream's own overload is 529 too, whatever its status. The
 * caller keeps {@code Retry-After} on 429 and 529. Other statuses are kept; a 4xx without a type of its own (405, 409,
 * 413 …) is an {@code invalid_request_error}, since Anthropic's SDKs know no other type for them (413's
 * {@code request_too_large} is documented but missing from their error unions).
 */
public final class AnthropicErrorShape {
  public static final int OVERLOADED = 529;

  private AnthropicErrorShape() {
  }

  /** The HTTP status for the error in Anthropic's API. */
  public static int status(ApiError error) {
    int status = error.status();
    if (status == 503 || status == OVERLOADED || (status >= 500 && "overloaded".equals(error.code()))) {
      return OVERLOADED;
    }
    return status;
  }

  /** Anthropic's error type for the error. */
  public static String type(ApiError error) {
    int status = status(error);
    return switch (status) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      case 408, 504 -> "timeout_error";
      case OVERLOADED -> "overloaded_error";
      default -> {
        if (status >= 500) {
          yield ApiError.TIMEOUT.equals(error.type()) ? "timeout_error" : "api_error";
        }
        yield status >= 400 ? "invalid_request_error" : inBandType(error);
      }
    };
  }

  /** {@code {"type":"error","error":{"type","message"}}}: the body of an HTTP error and the data of an error event. */
  public static JsonObject body(ApiError error) {
    return new JsonObject().put("type", "error").put("error", new JsonObject()
        .put("type", type(error))
        .put("message", error.message()));
  }

  /** An error without an HTTP status (status 0: it came in-band) is typed by its OpenAI type. */
  private static String inBandType(ApiError error) {
    String type = error.type() == null ? "" : error.type();
    return switch (type) {
      case ApiError.INVALID_REQUEST -> "invalid_request_error";
      case ApiError.AUTHENTICATION -> "authentication_error";
      case ApiError.RATE_LIMIT -> "rate_limit_error";
      case ApiError.TIMEOUT -> "timeout_error";
      default -> "overloaded".equals(error.code()) ? "overloaded_error" : "api_error";
    };
  }
}
