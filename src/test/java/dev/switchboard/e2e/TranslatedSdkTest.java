package dev.switchboard.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.ImageGenerateParams;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK assembles what Switchboard translates from Anthropic and Gemini. */
class TranslatedSdkTest {
  private FakeProvider anthropic;
  private FakeProvider gemini;
  private GatewayUnderTest gateway;
  private OpenAIClient sdk;

  @BeforeEach
  void start() {
    anthropic = new FakeProvider();
    gemini = new FakeProvider();
    gateway = TestConfig.empty()
        .providerEntry(anthropic.providerYaml("anth", "anthropic", "/v1", "sk-ant-secret-0123456789",
            List.of("claude-x")))
        .providerEntry(gemini.providerYaml("gem", "gemini", "/v1beta", "AIza-secret-0123456789",
            List.of("gemini-x", "embed-x"))).start();
    sdk = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey("any-key-works")
        .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
  }

  @AfterEach
  void stop() {
    sdk.close();
    gateway.close();
    anthropic.close();
    gemini.close();
  }

  private static final FunctionDefinition WEATHER = FunctionDefinition.builder()
      .name("get_weather")
      .parameters(FunctionParameters.builder()
          .putAdditionalProperty("type", JsonValue.from("object"))
          .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"))))
          .build())
      .build();

  private static ChatCompletionCreateParams.Builder chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Weather in SF and Tokyo?")
        .addFunctionTool(WEATHER);
  }

  private static ChatCompletion accumulate(StreamResponse<ChatCompletionChunk> stream, List<ChatCompletionChunk> seen) {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    stream.stream().forEach(c -> {
      seen.add(c);
      acc.accumulate(c);
    });
    return acc.chatCompletion();
  }

  @Test
  void anthropicStreamWithParallelToolCallsIsAssembledBySdk() {
    anthropic.stub("/messages", FakeProvider.sseReply(Fixtures.text("anthropic/tools.sse"))
        .withChunkedDribbleDelay(20, 200));

    List<ChatCompletionChunk> chunks = new java.util.ArrayList<>();
    ChatCompletion completion;
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(chat("claude-x")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      completion = accumulate(stream, chunks);
    }

    assertThat(chunks).allSatisfy(c -> assertThat(c.id()).isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U"));
    assertThat(completion.choices()).hasSize(1);
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.finishReason().asString()).isEqualTo("tool_calls");
    assertThat(choice.message().content()).hasValue("Checking both cities.");
    List<ChatCompletionMessageFunctionToolCall> calls = choice.message().toolCalls().orElseThrow().stream()
        .map(c -> c.asFunction()).toList();
    assertThat(calls).extracting(ChatCompletionMessageFunctionToolCall::id)
        .containsExactly("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "toolu_02Bq7vYbsQmPwo8rL5nJ3kEd");
    assertThat(calls).allSatisfy(c -> assertThat(c.function().name()).isEqualTo("get_weather"));
    assertThat(new JsonObject(calls.get(0).function().arguments()))
        .isEqualTo(new JsonObject().put("location", "San Francisco, CA").put("unit", "°C"));
    assertThat(new JsonObject(calls.get(1).function().arguments())).isEqualTo(new JsonObject().put("location", "Tokyo"));
    assertThat(completion.usage()).hasValueSatisfying(u -> {
      assertThat(u.promptTokens()).isEqualTo(472);
      assertThat(u.completionTokens()).isEqualTo(89);
      assertThat(u.totalTokens()).isEqualTo(561);
    });
  }

  @Test
  void anthropicJsonToolCallsAreParsedBySdk() {
    anthropic.stub("/messages", FakeProvider.jsonReply(200, Fixtures.text("anthropic/reply-tools.json")));

    ChatCompletion completion = sdk.chat().completions().create(chat("claude-x").build());

    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.finishReason().asString()).isEqualTo("tool_calls");
    assertThat(choice.message().toolCalls().orElseThrow()).hasSize(2);
    assertThat(choice.message().toolCalls().orElseThrow().get(0).asFunction().function().name())
        .isEqualTo("get_weather");
    assertThat(completion.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).hasValue(1800L);
  }

  @Test
  void geminiTextStreamIsAssembledBySdk() {
    gemini.stub(post(urlPathEqualTo("/v1beta/models/gemini-x:streamGenerateContent"))
        .willReturn(FakeProvider.sseReply(Fixtures.text("gemini/text.sse"))));

    List<ChatCompletionChunk> chunks = new java.util.ArrayList<>();
    ChatCompletion completion;
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gemini-x").addUserMessage("fox?").build())) {
      completion = accumulate(stream, chunks);
    }

    assertThat(completion.choices().get(0).message().content()).hasValue("The quick brown fox — ü 🦊 jumps.");
    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("stop");
  }

  @Test
  void geminiEmbeddingsInTheSdksDefaultBase64() {
    gemini.stub(post(urlPathEqualTo("/v1beta/models/embed-x:embedContent"))
        .willReturn(FakeProvider.jsonReply(200, "{\"embedding\":{\"values\":[0.25,-0.5,1.0]}}")));

    CreateEmbeddingResponse resp = sdk.embeddings().create(EmbeddingCreateParams.builder()
        .model("embed-x").input("The food was delicious").build());

    assertThat(resp.data()).hasSize(1);
    assertThat(resp.data().get(0).embedding()).containsExactly(0.25f, -0.5f, 1.0f);
  }

  @Test
  void anUnsupportedEndpointIsTheSdksBadRequest() {
    assertThatThrownBy(() -> sdk.images().generate(ImageGenerateParams.builder().model("claude-x").prompt("cat").build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> {
          assertThat(e.code()).hasValue("unsupported_by_provider");
          assertThat(e.getMessage()).contains("Anthropic's Messages API serves chat completions only");
        });
  }
}
