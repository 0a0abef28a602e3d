package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.UpstreamError;
import dev.switchboard.routing.ErrorClass;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic's documented error types and statuses -> UpstreamError -> the gateway's error class. */
class AnthropicErrorsTest {

  private static UpstreamError read(int status, String type, String message) {
    String body = "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"},"
        + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    return new AnthropicAdapter(null).translateError(status, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(body));
  }

  @ParameterizedTest
  @CsvSource({
      "400, invalid_request_error, messages: roles must alternate,                   400, ,                        FINAL",
      "400, invalid_request_error, prompt is too long: 208310 tokens > 200000 maximum, 400, context_length_exceeded, FINAL",
      "400, invalid_request_error, input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, 400, context_length_exceeded, FINAL",
      "400, invalid_request_error, Your credit balance is too low to access the Anthropic API.,      402, insufficient_quota, FAILOVER",
      "401, authentication_error,  invalid x-api-key,                                  401, invalid_api_key,         FAILOVER",
      "402, billing_error,         Payment required,                                   402, insufficient_quota,      FAILOVER",
      "403, permission_error,      Your API key does not have permission,              403, permission_denied,       FAILOVER",
      "404, not_found_error,       model: claude-nope,                                 404, model_not_found,         FAILOVER",
      "413, request_too_large,     Request exceeds the maximum allowed size,           413, request_too_large,       FINAL",
      "429, rate_limit_error,      Number of request tokens has exceeded your limit,   429, rate_limit_exceeded,     RETRY_SAME",
      "500, api_error,             Internal server error,                              500, server_error,            RETRY_SAME",
      "504, timeout_error,         Request timed out,                                  504, timeout,                 RETRY_SAME",
      "529, overloaded_error,      Overloaded,                                         529, overloaded,              RETRY_SAME"})
  void documentedErrors(int status, String type, String message, int mappedStatus, String code, ErrorClass cls) {
    UpstreamError e = read(status, type, message);

    assertThat(e.status()).isEqualTo(mappedStatus);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.type()).isEqualTo(type);
    assertThat(e.message()).isEqualTo(message);
    assertThat(ErrorClass.ofStatus(e.status(), e)).isEqualTo(cls);
  }

  @Test
  void retryAfterAndNonJsonBodies() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("retry-after", "7");
    UpstreamError limited = new AnthropicAdapter(null).translateError(429, headers,
        Buffer.buffer("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"));
    assertThat(limited.retryAfterMillis()).isEqualTo(7000);

    UpstreamError html = new AnthropicAdapter(null).translateError(502, MultiMap.caseInsensitiveMultiMap(),
        Buffer.buffer("<html>Bad gateway</html>"));
    assertThat(html.status()).isEqualTo(502);
    assertThat(html.message()).isEqualTo("HTTP 502");
  }

  @Test
  void keysInMessagesAreScrubbed() {
    UpstreamError e = read(401, "authentication_error", "invalid x-api-key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx");
    assertThat(e.message()).doesNotContain("AbCdEfGh").contains("[redacted]");
  }
}
