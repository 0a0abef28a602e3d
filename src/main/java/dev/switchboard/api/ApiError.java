package dev.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * An error as OpenAI shapes it: {@code {"error":{"message","type","param","code"}}}. The type is one of a small
 * fixed set so clients can branch on it.
 */
public record ApiError(int status, String type, String message, String param, String code) {
  public static final String INVALID_REQUEST = "invalid_request_error";
  public static final String AUTHENTICATION = "authentication_error";
  public static final String RATE_LIMIT = "rate_limit_error";
  public static final String UPSTREAM = "upstream_error";
  public static final String TIMEOUT = "timeout_error";
  public static final String SERVER = "server_error";

  public static ApiError invalid(String message, String param, String code) {
    return new ApiError(400, INVALID_REQUEST, message, param, code);
  }

  public static ApiError invalidParam(String param, String message) {
    return new ApiError(400, INVALID_REQUEST, message, param, "invalid_value");
  }

  public static ApiError missingParam(String param) {
    return new ApiError(400, INVALID_REQUEST, "Missing required parameter: '" + param + "'.", param,
        "missing_required_parameter");
  }

  public static ApiError invalidType(String param, String expected) {
    return new ApiError(400, INVALID_REQUEST, "Invalid type for '" + param + "': expected " + expected + ".", param,
        "invalid_type");
  }

  public static ApiError modelNotFound(String model) {
    return new ApiError(404, INVALID_REQUEST, "The model '" + model + "' does not exist or is not served by this "
        + "gateway. GET /v1/models lists the models it serves.", "model", "model_not_found");
  }

  /** Both ways a client key is accepted: OpenAI's clients send the first, Anthropic's the second. */
  private static final String KEY_HEADERS = "'Authorization: Bearer <key>' or 'x-api-key: <key>'.";

  public static ApiError badKey() {
    return new ApiError(401, AUTHENTICATION, "Incorrect API key provided. Send a Switchboard client key as "
        + KEY_HEADERS, null, "invalid_api_key");
  }

  public static ApiError missingKey() {
    return new ApiError(401, AUTHENTICATION, "You didn't provide an API key. Send a Switchboard client key as "
        + KEY_HEADERS, null, "missing_api_key");
  }

  public static ApiError server(String message) {
    return new ApiError(500, SERVER, message, null, "internal_error");
  }

  public JsonObject toJson() {
    JsonObject error = new JsonObject()
        .put("message", message)
        .put("type", type)
        .put("param", param)
        .put("code", code);
    return new JsonObject().put("error", error);
  }
}
