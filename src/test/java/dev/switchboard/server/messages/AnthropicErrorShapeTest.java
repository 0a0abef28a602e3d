package dev.switchboard.server.messages;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.ErrorResponse;
import dev.switchboard.api.ApiError;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's errors in Anthropic's shape: the status and type table, each body valid for anthropic-java. */
class AnthropicErrorShapeTest {

  @ParameterizedTest(name = "{0} {1} {2} -> {3} {4}")
  @CsvSource(nullValues = "null", value = {
      // OpenAI-shaped error                                    | Anthropic status and type
      "400, invalid_request_error, invalid_value,          400, invalid_request_error",
      "401, authentication_error,  invalid_api_key,        401, authentication_error",
      "402, upstream_error,        insufficient_quota,     402, billing_error",
      "403, invalid_request_error, model_not_allowed,      403, permission_error",
      "404, invalid_request_error, model_not_found,        404, not_found_error",
      "405, invalid_request_error, null,                   405, invalid_request_error",
      "413, invalid_request_error, request_too_large,      413, invalid_request_error",
      "429, rate_limit_error,      rate_limit_exceeded,    429, rate_limit_error",
      "500, server_error,          internal_error,         500, api_error",
      "502, upstream_error,        all_providers_failed,   502, api_error",
      "503, server_error,          no_provider_available,  529, overloaded_error",
      "503, upstream_error,        all_providers_failed,   529, overloaded_error",
      "529, upstream_error,        overloaded,             529, overloaded_error",
      "502, upstream_error,        overloaded,             529, overloaded_error",
      "504, timeout_error,         timeout,                504, timeout_error",
      "500, timeout_error,         timeout,                500, timeout_error",
      "0,   upstream_error,        stream_interrupted,     0,   api_error",
      "0,   upstream_error,        overloaded,             0,   overloaded_error",
      "0,   rate_limit_error,      rate_limit_exceeded,    0,   rate_limit_error",
      "0,   timeout_error,         timeout,                0,   timeout_error",
  })
  void mapsStatusAndType(int status, String type, String code, int anthropicStatus, String anthropicType)
      throws Exception {
    ApiError error = new ApiError(status, type, "what went wrong", "param", code);

    JsonObject body = AnthropicErrorShape.body(error);

    assertThat(AnthropicErrorShape.status(error)).isEqualTo(anthropicStatus);
    assertThat(body).isEqualTo(new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", anthropicType).put("message", "what went wrong")));
    ErrorResponse parsed = ObjectMappers.jsonMapper().readValue(body.encode(), ErrorResponse.class).validate();
    assertThat(parsed.error().isValid()).isTrue();
  }
}
