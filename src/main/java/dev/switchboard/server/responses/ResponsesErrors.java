package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import io.vertx.core.json.JsonObject;

/**
 * Errors on {@code /v1/responses}. Before a reply starts they are exactly chat's: {@link ApiError#toJson()}, the
 * OpenAI shape {@code {"error":{"message","type","param","code"}}} with the same statuses — the Responses API uses
 * that shape too, so nothing here translates them. Only a failure after a stream started differs: it becomes the
 * {@code error} of a {@code response.failed} event, whose {@code code} is from the Responses API's fixed set.
 */
public final class ResponsesErrors {
  private ResponsesErrors() {
  }

  /** The {@code response.error} object of a failed response: {@code {code, message}}. */
  static JsonObject responseError(ApiError error) {
    String code = ApiError.RATE_LIMIT.equals(error.type()) ? "rate_limit_exceeded" : "server_error";
    return new JsonObject().put("code", code).put("message", error.message());
  }

  /** The error a chat stream carried in band ({@code {"error":{...}}}) as an {@link ApiError}. */
  static ApiError fromInBand(JsonObject error) {
    int status = error.getValue("status") instanceof Number n ? n.intValue() : 502;
    return new ApiError(status, error.getValue("type") instanceof String t ? t : ApiError.UPSTREAM,
        error.getValue("message") instanceof String m ? m : "The upstream stream failed.",
        error.getValue("param") instanceof String p ? p : null,
        error.getValue("code") instanceof String c ? c : null);
  }
}
