package dev.switchboard.provider.gemini;

import dev.switchboard.provider.UpstreamError;
import dev.switchboard.routing.ErrorClass;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Gemini's documented error statuses -> UpstreamError -> the gateway's error class. */
class GeminiErrorsTest {

  private static UpstreamError read(int status, String body) {
    return new GeminiAdapter(null).translateError(status, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(body));
  }

  private static String error(int code, String status, String message, String details) {
    return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\""
        + (details == null ? "" : ",\"details\":" + details) + "}}";
  }

  @ParameterizedTest
  @CsvSource({
      "400, INVALID_ARGUMENT,   Invalid JSON payload received.,                                        400, ,                        FINAL",
      "400, INVALID_ARGUMENT,   The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)., 400, context_length_exceeded, FINAL",
      "400, FAILED_PRECONDITION, User location is not supported for the API use.,                      400, failed_precondition,     FINAL",
      "403, PERMISSION_DENIED,  Method doesn't allow unregistered callers.,                            403, permission_denied,       FAILOVER",
      "404, NOT_FOUND,          models/gemini-nope is not found for API version v1beta.,               404, model_not_found,         FAILOVER",
      "429, RESOURCE_EXHAUSTED, Resource has been exhausted (e.g. check quota).,                       429, rate_limit_exceeded,     RETRY_SAME",
      "500, INTERNAL,           An internal error has occurred.,                                       500, server_error,            RETRY_SAME",
      "503, UNAVAILABLE,        The model is overloaded. Please try again later.,                      503, overloaded,              RETRY_SAME",
      "504, DEADLINE_EXCEEDED,  Deadline expired before operation could complete.,                     504, timeout,                 RETRY_SAME"})
  void documentedErrors(int status, String grpc, String message, int mappedStatus, String code, ErrorClass cls) {
    UpstreamError e = read(status, error(status, grpc, message, null));

    assertThat(e.status()).isEqualTo(mappedStatus);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.type()).isEqualTo(grpc);
    assertThat(e.message()).isEqualTo(message);
    assertThat(ErrorClass.ofStatus(e.status(), e)).isEqualTo(cls);
  }

  @Test
  void aBadApiKeyIsTheProvidersCredentialsNotTheClientsRequest() {
    UpstreamError e = read(400, error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
        "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
            + "\"domain\":\"googleapis.com\"}]"));

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.code()).isEqualTo("invalid_api_key");
    assertThat(ErrorClass.ofStatus(e.status(), e)).isEqualTo(ErrorClass.FAILOVER);
  }

  @Test
  void quotaDetailsDecideRateLimitOrSpentQuotaAndGiveTheRetryDelay() {
    UpstreamError perMinute = read(429, error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.",
        "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":"
            + "\"generativelanguage.googleapis.com/generate_content_free_tier_requests\",\"quotaId\":"
            + "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},"
            + "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"37s\"}]"));
    assertThat(perMinute.code()).isEqualTo("rate_limit_exceeded");
    assertThat(perMinute.retryAfterMillis()).isEqualTo(37_000);
    assertThat(ErrorClass.ofStatus(429, perMinute)).isEqualTo(ErrorClass.RETRY_SAME);

    UpstreamError perDay = read(429, error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.",
        "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
            + "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]"));
    assertThat(perDay.code()).isEqualTo("insufficient_quota");
    assertThat(ErrorClass.ofStatus(429, perDay)).isEqualTo(ErrorClass.FAILOVER);
  }

  @Test
  void arrayWrappedAndUnreadableBodies() {
    UpstreamError wrapped = read(503, "[" + error(503, "UNAVAILABLE", "overloaded", null) + "]");
    assertThat(wrapped.code()).isEqualTo("overloaded");

    UpstreamError html = read(502, "<html>bad gateway</html>");
    assertThat(html.message()).isEqualTo("HTTP 502");
    assertThat(html.code()).isNull();
  }

  @Test
  void keysInMessagesAreScrubbed() {
    UpstreamError e = read(400, error(400, "INVALID_ARGUMENT", "API key AIzaSyD-abcdefghijklmnopqrstuvwxyz012345 expired", null));
    assertThat(e.message()).doesNotContain("AIzaSy").contains("[redacted]");
  }
}
