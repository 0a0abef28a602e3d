package dev.switchboard.e2e;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway in front of WireMock playing the Gemini API: generateContent, SSE streams, embeddings, errors. */
class GeminiGatewayTest {
  private static final String KEY = "AIzaSyProviderSecretKey0123456789abcdef";
  private static final String CHAT = "{\"model\":\"gemini-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";

  private FakeProvider upstream;
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.empty().providerEntry(upstream.providerYaml("gem", "gemini", "/v1beta", KEY,
        List.of("gemini-x", "text-embedding-004"), "    timeouts: {connect: 1s, first_byte: 3s, idle: 3s, total: 10s}"))
        .start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private void stubModel(String method, ResponseDefinitionBuilder reply) {
    upstream.stub(post(urlPathEqualTo("/v1beta/models/" + method)).willReturn(reply));
  }

  private LoggedRequest onlyRequest(String method) {
    return upstream.onlyRequest("/v1beta/models/" + method);
  }

  private static JsonObject error(HttpResponse<String> resp) {
    return FakeProvider.errorOf(resp);
  }

  @Test
  void jsonChatIsTranslatedBothWays() throws Exception {
    stubModel("gemini-x:generateContent", FakeProvider.jsonReply(200, Fixtures.text("gemini/reply-tools.json")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"temperature\":0.3,"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("gem:200");
    JsonObject choice = new JsonObject(resp.body()).getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    assertThat(choice.getJsonObject("message").getJsonArray("tool_calls")).hasSize(2);

    LoggedRequest sent = onlyRequest("gemini-x:generateContent");
    assertThat(sent.getHeader("x-goog-api-key")).isEqualTo(KEY);
    assertThat(sent.containsHeader("Authorization")).isFalse();
    assertThat(new JsonObject(sent.getBodyAsString())).isEqualTo(new JsonObject("""
        {"contents":[{"role":"user","parts":[{"text":"Hi"}]}],
         "tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":{"type":"object"}}]}],
         "generationConfig":{"temperature":0.3}}"""));
  }

  @Test
  void streamEndsWithDoneThoughGeminiSendsNone() throws Exception {
    stubModel("gemini-x:streamGenerateContent",
        FakeProvider.sseReply(Fixtures.text("gemini/text.sse")).withChunkedDribbleDelay(20, 200));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    List<String> expected = new ArrayList<>(Fixtures.lines("gemini/text.expected.jsonl"));
    expected.set(expected.size() - 1, "[DONE]"); // the usage chunk goes only to clients that ask for it
    assertThat(Fixtures.normalize(SseClient.dataEvents(resp.body()))).containsExactlyElementsOf(expected);
    assertThat(onlyRequest("gemini-x:streamGenerateContent").getQueryParams().get("alt").firstValue()).isEqualTo("sse");
  }

  @Test
  void streamCutBeforeTheFinishReasonEndsWithAnInBandError() throws Exception {
    stubModel("gemini-x:streamGenerateContent", FakeProvider.sseReply(Fixtures.text("gemini/cut.sse")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"stream\":true"));

    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(4);
    assertThat(new JsonObject(events.get(1)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
        .getString("content")).isEqualTo("Once upon");
    assertThat(new JsonObject(events.get(2)).getJsonObject("error").getString("code")).isEqualTo("stream_interrupted");
    assertThat(events.get(3)).isEqualTo("[DONE]");
  }

  @Test
  void embeddingsOneAndMany() throws Exception {
    stubModel("text-embedding-004:embedContent",
        FakeProvider.jsonReply(200, "{\"embedding\":{\"values\":[0.5,-0.25]}}"));
    stubModel("text-embedding-004:batchEmbedContents",
        FakeProvider.jsonReply(200, "{\"embeddings\":[{\"values\":[0.5]},{\"values\":[1.5]}]}"));

    HttpResponse<String> one = gateway.post("/v1/embeddings", "{\"model\":\"text-embedding-004\",\"input\":\"hi\"}");
    HttpResponse<String> many = gateway.post("/v1/embeddings",
        "{\"model\":\"text-embedding-004\",\"input\":[\"a\",\"b\"],\"dimensions\":1}");

    assertThat(new JsonObject(one.body())).isEqualTo(new JsonObject("""
        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],
         "model":"text-embedding-004","usage":{"prompt_tokens":0,"total_tokens":0}}"""));
    assertThat(new JsonObject(many.body()).getJsonArray("data")).hasSize(2);
    assertThat(new JsonObject(onlyRequest("text-embedding-004:batchEmbedContents").getBodyAsString())
        .getJsonArray("requests").getJsonObject(1).getInteger("outputDimensionality")).isEqualTo(1);
  }

  @Test
  void invalidApiKeyIsTheProvidersCredentials() throws Exception {
    stubModel("gemini-x:generateContent", FakeProvider.jsonReply(400, """
        {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
          "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",
            "domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}"""));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(error(resp).getString("code")).isEqualTo("upstream_auth_failed");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("gem:401");
  }

  @Test
  void resourceExhaustedIsARateLimitWithItsRetryDelay() throws Exception {
    stubModel("gemini-x:generateContent", FakeProvider.jsonReply(429, """
        {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
          "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"""));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(429);
    assertThat(resp.headers().firstValue("retry-after")).hasValue("37");
  }

  @Test
  void imagesAreRefusedWithoutAnUpstreamCall() throws Exception {
    HttpResponse<String> resp = gateway.post("/v1/images/generations", "{\"model\":\"gemini-x\",\"prompt\":\"a cat\"}");

    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(error(resp).getString("code")).isEqualTo("unsupported_by_provider");
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).isEmpty();
  }
}
