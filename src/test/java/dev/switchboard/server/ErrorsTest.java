package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/** Every way a request can fail, each answered in OpenAI's error shape with x-request-id. */
class ErrorsTest {
  private static final String PROVIDER_KEY = "sk-errors-provider-key-0042";
  private static final String CHAT = Requests.chat("gpt-real", "hi").toString();
  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.empty().server("shutdown_grace: 2s", "max_body_size: 2kb")
        .provider("up", upstream, PROVIDER_KEY, "gpt-real").start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return gateway.send(method, path, body);
  }

  private HttpResponse<String> chat(String body) throws Exception {
    return send("POST", "/v1/chat/completions", body);
  }

  /** Asserts status, the exact OpenAI error shape, the JSON content type and x-request-id; returns the error. */
  private static JsonObject assertError(HttpResponse<String> resp, int status, String type, String param, String code) {
    assertThat(resp.statusCode()).as("status of %s", resp.body()).isEqualTo(status);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    assertThat(resp.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).isNotBlank());
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.fieldNames()).containsExactly("error");
    JsonObject error = body.getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isEqualTo(type);
    assertThat(error.getString("param")).isEqualTo(param);
    assertThat(error.getString("code")).isEqualTo(code);
    return error;
  }

  // ---- request validation ----------------------------------------------------------------------------------------

  @Test
  void malformedJson() throws Exception {
    JsonObject e = assertError(chat("{\"model\": \"gpt-real\", \"messages\": ["), 400, "invalid_request_error", null,
        "invalid_json");
    assertThat(e.getString("message")).as("the parser's words and place, not its internals")
        .isEqualTo("We could not parse the JSON body of your request: Unexpected end-of-input: expected close marker "
            + "for Array (start marker at line 1, column 35)")
        .doesNotContain("Failed to decode", "REDACTED", "StreamReadFeature");
    assertError(chat(""), 400, "invalid_request_error", null, "invalid_json");
  }

  @Test
  void bodyMustBeAnObject() throws Exception {
    assertError(chat("[{\"model\":\"gpt-real\"}]"), 400, "invalid_request_error", null, "invalid_json");
    assertError(chat("\"just a string\""), 400, "invalid_request_error", null, "invalid_json");
  }

  @Test
  void missingModel() throws Exception {
    JsonObject e = assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400,
        "invalid_request_error", "model", "missing_required_parameter");
    assertThat(e.getString("message")).contains("model");
  }

  @Test
  void messagesOfTheWrongType() throws Exception {
    assertError(chat("{\"model\":\"gpt-real\",\"messages\":\"hi\"}"), 400, "invalid_request_error", "messages",
        "invalid_type");
    assertError(chat("{\"model\":\"gpt-real\"}"), 400, "invalid_request_error", "messages",
        "missing_required_parameter");
    assertError(chat("{\"model\":\"gpt-real\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"), 400,
        "invalid_request_error", "messages[0].role", "invalid_value");
  }

  /** n multiplies what a reply holds: bounded as OpenAI bounds it, before anything goes upstream. */
  @Test
  void nBeyondOpenAisLimitsIsRefusedNamingTheParam() throws Exception {
    JsonObject e = assertError(chat(Requests.chat("gpt-real", "x").with("n", 129).toString()),
        400, "invalid_request_error", "n", "invalid_value");
    assertThat(e.getString("message")).contains("at most 128");
    assertThat(send("POST", "/v1/images/generations", "{\"prompt\":\"a cat\",\"n\":11}").statusCode())
        .isEqualTo(400);
    assertThat(upstream.server().getAllServeEvents()).as("nothing was sent upstream").isEmpty();
  }

  @Test
  void temperatureAsString() throws Exception {
    assertError(chat(Requests.chat("gpt-real", "x").with("temperature", "0.5").toString()),
        400, "invalid_request_error", "temperature", "invalid_type");
  }

  @Test
  void maxTokensZero() throws Exception {
    assertError(chat(Requests.chat("gpt-real", "x").with("max_tokens", 0).toString()),
        400, "invalid_request_error", "max_tokens", "invalid_value");
  }

  @Test
  void streamAsString() throws Exception {
    assertError(chat(Requests.chat("gpt-real", "x").with("stream", "true").toString()),
        400, "invalid_request_error", "stream", "invalid_type");
  }

  @Test
  void validationErrorsNeverReachTheUpstream() throws Exception {
    chat(Requests.chat("gpt-real", "x").with("max_tokens", 0).toString());
    chat("{\"model\":\"gpt-real\",\"messages\":\"hi\"}");
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
  }

  @Test
  void bodyOverTheLimit() throws Exception {
    String big = "{\"model\":\"gpt-real\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(3000) + "\"}]}";
    JsonObject e = assertError(chat(big), 413, "invalid_request_error", null, "request_too_large");
    assertThat(e.getString("message")).contains("2048");
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
    // the same body without a Content-Length (chunked upload) is refused too
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new java.io.ByteArrayInputStream(big.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertError(chunked, 413, "invalid_request_error", null, "request_too_large");
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
    // just under the limit is fine
    upstream.chatJson("ok");
    String small = "{\"model\":\"gpt-real\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1900) + "\"}]}";
    assertThat(chat(small).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownRoutes() throws Exception {
    JsonObject e = assertError(send("POST", "/v1/chat/complete", CHAT), 404, "invalid_request_error", null,
        "unknown_url");
    assertThat(e.getString("message")).contains("/v1/chat/complete");
    assertError(send("GET", "/nothing/here", null), 404, "invalid_request_error", null, "unknown_url");
  }

  @Test
  void wrongMethod() throws Exception {
    HttpResponse<String> resp = send("GET", "/v1/chat/completions", null);
    assertError(resp, 405, "invalid_request_error", null, "method_not_allowed");
    assertThat(resp.headers().firstValue("allow")).hasValue("POST");
    HttpResponse<String> models = send("POST", "/v1/models", "{}");
    assertError(models, 405, "invalid_request_error", null, "method_not_allowed");
    assertThat(models.headers().firstValue("allow")).hasValue("GET");
  }

  @Test
  void pathsBelowAnEndpointThatServesNothingThereAreUnknownNotTheWrongMethod() throws Exception {
    // A 405 for the method the request used, with an Allow naming that very method, sends a client looking for a
    // method that does not exist: the SDKs' responses.inputItems.list() and messages.batches.create() call these.
    for (String[] request : new String[][] {{"GET", "/v1/responses/resp_1/input_items"},
        {"POST", "/v1/responses/resp_1/cancel"}, {"POST", "/v1/messages/batches"}, {"GET", "/v1/messages/batches"}}) {
      HttpResponse<String> resp = send(request[0], request[1], request[0].equals("POST") ? "{}" : null);
      assertThat(resp.statusCode()).as(request[0] + " " + request[1]).isEqualTo(404);
      assertThat(resp.headers().firstValue("allow")).isEmpty();
      // In the front end's own shape: unknown_url for OpenAI's paths, not_found_error under /v1/messages.
      assertThat(resp.body()).contains("Unknown request URL: " + request[0] + " " + request[1])
          .contains(request[1].startsWith("/v1/messages") ? "not_found_error" : "unknown_url");
    }
    HttpResponse<String> countTokens = send("GET", "/v1/messages/count_tokens", null);
    assertThat(countTokens.statusCode()).isEqualTo(405);
    assertThat(countTokens.headers().firstValue("allow")).hasValue("POST");
    HttpResponse<String> stored = send("PUT", "/v1/responses/resp_1", "{}");
    assertError(stored, 405, "invalid_request_error", null, "method_not_allowed");
    assertThat(stored.headers().firstValue("allow")).hasValue("GET, DELETE");
  }

  @Test
  void unknownModel() throws Exception {
    JsonObject e = assertError(chat(Requests.chat("gpt-nope", "x").toString()),
        404, "invalid_request_error", "model", "model_not_found");
    assertThat(e.getString("message")).contains("gpt-nope");
  }

  // ---- upstream errors -------------------------------------------------------------------------------------------

  @Test
  void upstreamClientErrorPassesThrough() throws Exception {
    upstream.stub("/chat/completions", aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
            + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));

    HttpResponse<String> resp = chat(CHAT);

    JsonObject e = assertError(resp, 400, "invalid_request_error", "messages", "context_length_exceeded");
    assertThat(e.getString("message")).isEqualTo("This model's maximum context length is 128000 tokens.");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).as("a failed request names no provider").isEmpty();
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:400");
  }

  @Test
  void upstreamAuthFailureHidesKeys() throws Exception {
    String echoed = "sk-proj-abcdefghijklmnop1234";
    upstream.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: " + echoed + ". You can find your API key at https://platform.openai.com.");

    HttpResponse<String> resp = chat(CHAT);

    assertError(resp, 502, "upstream_error", null, "upstream_auth_failed");
    assertThat(resp.headers().firstValue("x-should-retry")).as("a retry cannot fix the gateway's key").hasValue("false");
    String everything = resp.body() + resp.headers().map();
    assertThat(everything).doesNotContain(echoed).doesNotContain("abcdefghijklmnop").doesNotContain(PROVIDER_KEY);
  }

  @Test
  void upstreamClientErrorEchoingAKeyIsScrubbed() throws Exception {
    upstream.error("/chat/completions", 400, "invalid_request_error", "bad", "Key sk-proj-abcdefghijklmnop1234 bad");

    HttpResponse<String> resp = chat(CHAT);

    JsonObject e = assertError(resp, 400, "invalid_request_error", null, "bad");
    assertThat(resp.body()).doesNotContain("sk-proj-abcdefghijklmnop1234");
    assertThat(e.getString("message")).contains("[redacted]");
  }

  @Test
  void upstreamRateLimitKeepsRetryAfter() throws Exception {
    upstream.stub("/chat/completions", aResponse().withStatus(429).withHeader("Content-Type", "application/json")
        .withHeader("Retry-After", "7")
        .withBody(FakeProvider.errorBody("requests", "rate_limit_exceeded", "Rate limit reached for requests").encode()));

    HttpResponse<String> resp = chat(CHAT);

    JsonObject e = assertError(resp, 429, "rate_limit_error", null, "upstream_rate_limited");
    assertThat(e.getString("message")).contains("Rate limit reached");
    assertThat(resp.headers().firstValue("retry-after")).hasValue("7");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:429");
  }

  @Test
  void upstreamQuotaExhausted() throws Exception {
    upstream.error("/chat/completions", 429, "insufficient_quota", "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.");

    assertError(chat(CHAT), 502, "upstream_error", null, "upstream_quota_exhausted");
  }

  @Test
  void upstreamUnavailable() throws Exception {
    upstream.error("/chat/completions", 503, "server_error", null, "The engine is currently overloaded");

    HttpResponse<String> resp = chat(CHAT);

    JsonObject e = assertError(resp, 503, "upstream_error", null, "upstream_error");
    assertThat(e.getString("message")).contains("overloaded");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:503,up:503");
    assertThat(resp.headers().firstValue("x-should-retry")).as("the gateway already retried").hasValue("false");
  }

  @Test
  void upstreamOkWithNonJsonBody() throws Exception {
    upstream.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/html")
        .withBody("<html><body>Gateway portal login</body></html>"));

    HttpResponse<String> resp = chat(CHAT);

    assertError(resp, 502, "upstream_error", null, "invalid_upstream_response");
    assertThat(resp.body()).doesNotContain("<html>");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:invalid,up:invalid");
  }

  @Test
  void requestIdIsEchoedOnErrors() throws Exception {
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("x-request-id", "client-chosen-17")
        .POST(HttpRequest.BodyPublishers.ofString("{")).build(), HttpResponse.BodyHandlers.ofString());
    assertError(resp, 400, "invalid_request_error", null, "invalid_json");
    assertThat(resp.headers().firstValue("x-request-id")).hasValue("client-chosen-17");
  }

  /** curl -d sends JSON labelled as a form; a '%' in the prompt must not turn it into a form-decoding error. */
  @Test
  void jsonSentAsFormDataIsStillReadAsJson() throws Exception {
    upstream.chatJson("fine");
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(
            Requests.chat("gpt-real", "100% sure").toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.body()).contains("fine");
  }

  /** Many providers send 4xx errors without a code (or without a body): the client must still get its answer. */
  @Test
  void upstreamClientErrorWithoutCodeIsPassedThrough() throws Exception {
    upstream.stub("/chat/completions", com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(404));
    HttpResponse<String> resp = chat(CHAT);
    JsonObject e = assertError(resp, 404, "invalid_request_error", null, null);
    assertThat(e.getString("message")).contains("404");
    assertThat(resp.headers().firstValue("x-should-retry")).isEmpty();
  }
}
