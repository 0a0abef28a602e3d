package dev.switchboard.e2e;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK, pointed at the gateway, sees exactly what it would see from OpenAI. */
class OpenAiSdkTest {
  private static final String CLIENT_KEY = "sb-sdk-client-key";

  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private final List<OpenAIClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.oneProvider(upstream, "gpt-real", "text-embedding-3-small").clientKey("sdk", CLIENT_KEY)
        .model("fast", "up/gpt-real").start();
  }

  @AfterEach
  void stop() {
    clients.forEach(OpenAIClient::close);
    gateway.close();
    upstream.close();
  }

  private OpenAIClient sdk(String key, int maxRetries) {
    OpenAIClient client = OpenAIOkHttpClient.builder()
        .baseUrl(gateway.baseUrl() + "/v1")
        .apiKey(key)
        .maxRetries(maxRetries)
        .timeout(Duration.ofSeconds(20))
        .build();
    clients.add(client);
    return client;
  }

  private OpenAIClient sdk() {
    return sdk(CLIENT_KEY, 0);
  }

  private static ChatCompletionCreateParams chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build();
  }

  @Test
  void chatCompletionIsParsedWithContentAndUsage() {
    upstream.chatJson("Hello from upstream");

    ChatCompletion completion = sdk().chat().completions().create(chat("fast"));

    assertThat(completion.id()).isEqualTo("chatcmpl-test");
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValue("Hello from upstream");
    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("stop");
    assertThat(completion.usage()).hasValueSatisfying(u -> {
      assertThat(u.promptTokens()).isEqualTo(11);
      assertThat(u.completionTokens()).isEqualTo(7);
      assertThat(u.totalTokens()).isEqualTo(18);
    });
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withHeader("Authorization", equalTo("Bearer sk-provider-secret"))
        .withRequestBody(matchingJsonPath("$.model", equalTo("gpt-real"))));
  }

  @Test
  void streamIsIteratedToTheEndAndClosesCleanly() {
    upstream.chatStream(FakeProvider.chatChunks("chatcmpl-s", "gpt-real", "Hel", "lo", ", ", "world", "!"));

    List<ChatCompletionChunk> chunks;
    StringBuilder text = new StringBuilder();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-real")
        .addUserMessage("hi").build();
    try (StreamResponse<ChatCompletionChunk> stream = sdk().chat().completions().createStreaming(params)) {
      chunks = stream.stream().toList();
    }

    chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    assertThat(text).hasToString("Hello, world!");
    // role, 5 pieces, finish; the usage chunk Switchboard asked for on its own is not passed on
    assertThat(chunks).hasSize(7);
    assertThat(chunks).allSatisfy(c -> assertThat(c.id()).isEqualTo("chatcmpl-s"));
    assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
        .hasValueSatisfying(f -> assertThat(f.asString()).isEqualTo("stop"));
    assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
  }

  @Test
  void streamWithIncludeUsageDeliversTheUsageChunkToTheSdk() {
    upstream.chatStream(FakeProvider.chatChunks("chatcmpl-u", "gpt-real", "a", "b"));

    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-real").addUserMessage("hi")
        .streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder().includeUsage(true)
            .build())
        .build();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = sdk().chat().completions().createStreaming(params)) {
      chunks = stream.stream().toList();
    }

    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isEqualTo(7));
  }

  @Test
  void toolCallsRoundTrip() {
    JsonObject reply = new JsonObject()
        .put("id", "chatcmpl-tool").put("object", "chat.completion").put("created", 1_700_000_000L)
        .put("model", "gpt-real")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "tool_calls")
            .put("message", new JsonObject().put("role", "assistant").putNull("content")
                .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_abc").put("type", "function")
                    .put("function", new JsonObject().put("name", "get_weather")
                        .put("arguments", "{\"city\":\"Paris\"}")))))))
        .put("usage", new JsonObject().put("prompt_tokens", 20).put("completion_tokens", 9).put("total_tokens", 29));
    upstream.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply.encode()));

    FunctionDefinition weather = FunctionDefinition.builder()
        .name("get_weather")
        .description("Current weather for a city")
        .parameters(FunctionParameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .putAdditionalProperty("required", JsonValue.from(List.of("city")))
            .build())
        .build();
    ChatCompletion completion = sdk().chat().completions().create(ChatCompletionCreateParams.builder()
        .model("fast").addUserMessage("weather in Paris?").addFunctionTool(weather).build());

    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
    List<ChatCompletionMessageToolCall> calls = completion.choices().get(0).message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(1);
    ChatCompletionMessageFunctionToolCall call = calls.get(0).asFunction();
    assertThat(call.id()).isEqualTo("call_abc");
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(new JsonObject(call.function().arguments()).getString("city")).isEqualTo("Paris");

    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withRequestBody(equalToJson("""
            {"model":"gpt-real","tools":[{"type":"function","function":{"name":"get_weather",
              "description":"Current weather for a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}""",
            false, true)));
  }

  @Test
  void unknownModelIsTheSdksNotFoundException() {
    upstream.chatJson("never");

    assertThatThrownBy(() -> sdk().chat().completions().create(chat("no-such-model")))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.getMessage()).contains("The model 'no-such-model' does not exist");
          assertThat(e.code()).hasValue("model_not_found");
          assertThat(e.type()).hasValue("invalid_request_error");
          assertThat(e.param()).hasValue("model");
        });
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
  }

  @Test
  void wrongClientKeyIsTheSdksUnauthorizedException() {
    upstream.chatJson("never");

    assertThatThrownBy(() -> sdk("sb-wrong-key", 0).chat().completions().create(chat("fast")))
        .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(401);
          assertThat(e.getMessage()).contains("Incorrect API key provided");
          assertThat(e.code()).hasValue("invalid_api_key");
          assertThat(e.type()).hasValue("authentication_error");
        });
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
  }

  @Test
  void upstream500IsA502InternalServerException() {
    upstream.error("/chat/completions", 500, "server_error", null, "The server had an error");

    assertThatThrownBy(() -> sdk().chat().completions().create(chat("fast")))
        .isInstanceOfSatisfying(InternalServerException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(502);
          assertThat(e.type()).hasValue("upstream_error");
          assertThat(e.getMessage()).contains("Provider 'up' failed with HTTP 500");
          // The gateway retried once itself, then told the SDK not to multiply retries.
          assertThat(e.headers().values("x-switchboard-attempts")).containsExactly("up:500,up:500");
          assertThat(e.headers().values("x-should-retry")).containsExactly("false");
        });
    upstream.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
  }

  @Test
  void streamingErrorBeforeCommitIsAnSdkExceptionToo() {
    upstream.error("/chat/completions", 500, "server_error", null, "boom");

    ChatCompletionCreateParams params = chat("fast");
    assertThatThrownBy(() -> {
      try (StreamResponse<ChatCompletionChunk> stream = sdk().chat().completions().createStreaming(params)) {
        stream.stream().forEach(c -> { });
      }
    }).isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(502));
  }

  @Test
  void embeddingsThroughTheSdk() {
    float[] vector = {0.25f, -0.5f, 1.0f};
    upstream.stub(post(urlPathEqualTo("/v1/embeddings"))
        .withRequestBody(matchingJsonPath("$.encoding_format", equalTo("base64")))
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
            .withBody(embeddingReply(base64(vector)).encode())));
    upstream.stub(post(urlPathEqualTo("/v1/embeddings"))
        .withRequestBody(matchingJsonPath("$.encoding_format", equalTo("float")))
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
            .withBody(embeddingReply(new JsonArray().add(0.25).add(-0.5).add(1.0)).encode())));

    for (EmbeddingCreateParams.EncodingFormat format : new EmbeddingCreateParams.EncodingFormat[] {
        null, EmbeddingCreateParams.EncodingFormat.FLOAT}) {
      EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder()
          .model("text-embedding-3-small").input("The food was delicious");
      if (format != null) {
        params.encodingFormat(format);
      }
      CreateEmbeddingResponse resp = sdk().embeddings().create(params.build());

      assertThat(resp.model()).isEqualTo("text-embedding-3-small");
      assertThat(resp.data()).hasSize(1);
      assertThat(resp.data().get(0).index()).isZero();
      assertThat(resp.data().get(0).embedding()).containsExactly(0.25f, -0.5f, 1.0f);
      assertThat(resp.usage().promptTokens()).isEqualTo(5);
      assertThat(resp.usage().totalTokens()).isEqualTo(5);
    }
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/embeddings"))
        .withRequestBody(matchingJsonPath("$.input", equalTo("The food was delicious"))));
  }

  @Test
  void sdkRetriesAGateway503AndSucceeds() {
    String scenario = "flaky";
    upstream.stub(post(urlPathEqualTo("/v1/chat/completions")).inScenario(scenario)
        .whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.errorBody("server_error", null, "overloaded").encode()))
        .willSetStateTo("recovered"));
    upstream.stub(post(urlPathEqualTo("/v1/chat/completions")).inScenario(scenario)
        .whenScenarioStateIs("recovered")
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.chatCompletion("chatcmpl-2nd", "gpt-real", "second time lucky").encode())));

    ChatCompletion completion = sdk(CLIENT_KEY, 2).chat().completions().create(chat("fast"));

    assertThat(completion.id()).isEqualTo("chatcmpl-2nd");
    assertThat(completion.choices().get(0).message().content()).hasValue("second time lucky");
    upstream.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
  }

  @Test
  void sdkGivesUpAfterItsRetriesWithThe503() {
    upstream.error("/chat/completions", 503, "server_error", null, "overloaded");

    assertThatThrownBy(() -> sdk(CLIENT_KEY, 1).chat().completions().create(chat("fast")))
        .isInstanceOfSatisfying(InternalServerException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(503);
          assertThat(e.type()).hasValue("upstream_error");
        });
    // one try plus one SDK retry; the gateway itself does not multiply them
    upstream.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
  }

  private static JsonObject embeddingReply(Object embedding) {
    return new JsonObject().put("object", "list").put("model", "text-embedding-3-small")
        .put("data", new JsonArray().add(new JsonObject().put("object", "embedding").put("index", 0)
            .put("embedding", embedding)))
        .put("usage", new JsonObject().put("prompt_tokens", 5).put("total_tokens", 5));
  }

  private static String base64(float[] vector) {
    ByteBuffer buf = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : vector) {
      buf.putFloat(f);
    }
    return Base64.getEncoder().encodeToString(buf.array());
  }
}
