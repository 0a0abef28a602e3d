package dev.switchboard.e2e;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The official OpenAI (Responses) and Anthropic (Messages) Java SDKs, unmodified, pointed at the gateway. */
class FrontEndSdkTest {
  private static final String KEY = "sb-front-end-sdk-key";
  private FakeProvider upstream;
  /** An Anthropic provider: Messages requests to model {@code claude} are passed through to it natively. */
  private FakeProvider claude;
  /** A provider with its own Responses API: Responses requests to model {@code native} are passed through to it. */
  private FakeProvider responsesUp;
  private GatewayUnderTest gateway;
  private OpenAIClient openai;
  private AnthropicClient anthropic;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    claude = new FakeProvider();
    responsesUp = new FakeProvider();
    gateway = GatewayUnderTest.start("""
        auth:
          keys:
            - {name: sdk, key: %s}
        providers:
        %s
        %s
        %s
        models:
          fast:
            targets:
              - {provider: up, model: gpt-real}
          claude:
            targets:
              - {provider: claude, model: claude-sonnet-4-5}
          native:
            targets:
              - {provider: resp, model: gpt-4.1}
        """.formatted(KEY, upstream.providerYaml("up", "sk-provider-secret-0000", "gpt-real"),
        claude.providerYaml("claude", "anthropic", "/v1", "sk-ant-secret-0000", List.of("claude-sonnet-4-5")),
        responsesUp.providerYaml("resp", "openai", "/v1", "sk-resp-secret-0000", List.of("gpt-4.1"),
            "    responses: true")));
    openai = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey(KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
    anthropic = AnthropicOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(KEY).maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  @AfterEach
  void stop() {
    openai.close();
    anthropic.close();
    gateway.close();
    upstream.close();
    claude.close();
    responsesUp.close();
  }

  private void toolCallReply() {
    JsonObject reply = FakeProvider.chatCompletion("c-tool", "gpt-real", null);
    reply.getJsonArray("choices").getJsonObject(0).put("finish_reason", "tool_calls").getJsonObject("message")
        .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_7").put("type", "function")
            .put("function", new JsonObject().put("name", "weather").put("arguments", "{\"city\":\"Oslo\"}"))));
    upstream.stub("/chat/completions", FakeProvider.jsonReply(200, reply.encode()));
  }

  @Test
  void openAiResponsesCreateReadsTheTextAndUsage() {
    upstream.chatJson("Hello from the gateway");
    Response r = openai.responses().create(ResponseCreateParams.builder().model("fast").input("Say hello").build());
    assertThat(r.status()).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
    String text = r.output().get(0).asMessage().content().get(0).asOutputText().text();
    assertThat(text).isEqualTo("Hello from the gateway");
    assertThat(r.usage().orElseThrow().totalTokens()).isEqualTo(18);
  }

  @Test
  void openAiResponsesStreamDeliversDeltasAndACompletedResponse() {
    upstream.chatStream(FakeProvider.chatChunks("c1", "gpt-real", "One, ", "two, ", "three."));
    StringBuilder text = new StringBuilder();
    List<String> types = new ArrayList<>();
    Response[] completed = new Response[1];
    try (var stream = openai.responses().createStreaming(ResponseCreateParams.builder().model("fast")
        .input("Count").build())) {
      stream.stream().forEach(e -> {
        e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
        e.completed().ifPresent(c -> completed[0] = c.response());
        types.add(eventType(e));
      });
    }
    assertThat(text).hasToString("One, two, three.");
    assertThat(types.get(0)).isEqualTo("created");
    assertThat(types.get(types.size() - 1)).isEqualTo("completed");
    assertThat(completed[0].usage().orElseThrow().outputTokens()).isEqualTo(3);
  }

  private static String eventType(ResponseStreamEvent e) {
    if (e.isCreated()) {
      return "created";
    }
    if (e.isCompleted()) {
      return "completed";
    }
    return "other";
  }

  @Test
  void openAiResponsesFunctionToolCallsComeBackAsFunctionCallItems() {
    toolCallReply();
    Response r = openai.responses().create(ResponseCreateParams.builder().model("fast").input("Weather in Oslo?")
        .addTool(FunctionTool.builder().name("weather").strict(false).parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build()).build())
        .build());
    ResponseOutputItem item = r.output().stream().filter(ResponseOutputItem::isFunctionCall).findFirst().orElseThrow();
    ResponseFunctionToolCall call = item.asFunctionCall();
    assertThat(call.callId()).isEqualTo("call_7");
    assertThat(call.name()).isEqualTo("weather");
    assertThat(new JsonObject(call.arguments()).getString("city")).isEqualTo("Oslo");
    JsonObject sent = new JsonObject(upstream.onlyRequest("/v1/chat/completions").getBodyAsString());
    assertThat(sent.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name"))
        .isEqualTo("weather");
  }

  @Test
  void anthropicMessagesCreateReadsTheTextStopReasonAndUsage() {
    upstream.chatJson("Bonjour");
    Message m = anthropic.messages().create(MessageCreateParams.builder().model("fast").maxTokens(64)
        .addUserMessage("Say hello in French").build());
    assertThat(m.content().get(0).asText().text()).isEqualTo("Bonjour");
    assertThat(m.stopReason().orElseThrow().asString()).isEqualTo("end_turn");
    assertThat(m.usage().inputTokens()).isEqualTo(11);
    assertThat(m.usage().outputTokens()).isEqualTo(7);
  }

  @Test
  void anthropicMessagesStreamAccumulatesToTheWholeMessage() {
    upstream.chatStream(FakeProvider.chatChunks("c2", "gpt-real", "Un, ", "deux, ", "trois."));
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
        MessageCreateParams.builder().model("fast").maxTokens(64).addUserMessage("Count in French").build())) {
      stream.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.content().get(0).asText().text()).isEqualTo("Un, deux, trois.");
    assertThat(m.usage().outputTokens()).isEqualTo(3);
    assertThat(m.stopReason().orElseThrow().asString()).isEqualTo("end_turn");
  }

  @Test
  void anthropicToolUseComesBackAsAToolUseBlock() {
    toolCallReply();
    Message m = anthropic.messages().create(MessageCreateParams.builder().model("fast").maxTokens(64)
        .addTool(Tool.builder().name("weather").inputSchema(Tool.InputSchema.builder()
            .properties(com.anthropic.core.JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build())
        .addUserMessage("Weather in Oslo?").build());
    ToolUseBlock block = m.content().stream().filter(c -> c.isToolUse()).findFirst().orElseThrow().asToolUse();
    assertThat(block.name()).isEqualTo("weather");
    assertThat(block.id()).isEqualTo("call_7");
    assertThat(m.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
  }

  private static MessageCreateParams weatherQuestion() {
    return MessageCreateParams.builder().model("claude").maxTokens(256)
        .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder()
            .properties(com.anthropic.core.JsonValue.from(Map.of("location", Map.of("type", "string")))).build())
            .build())
        .addUserMessage("Weather in San Francisco and Tokyo?").build();
  }

  @Test
  void anthropicToolUseFromANativeAnthropicTargetReadsAsSent() {
    claude.stub("/messages", FakeProvider.jsonReply(200, Fixtures.text("anthropic/reply-tools.json")));
    Message m = anthropic.messages().create(weatherQuestion());

    List<ToolUseBlock> tools = m.content().stream().filter(c -> c.isToolUse()).map(c -> c.asToolUse()).toList();
    assertThat(tools).extracting(ToolUseBlock::id).containsExactly("toolu_01A09q90qw90lq917835lq9",
        "toolu_01B7c5Wd3uJ4mq8Zt2sH1kLp");
    assertThat(m.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
    assertThat(m.usage().cacheReadInputTokens()).hasValue(1800L);
    assertThat(new JsonObject(claude.onlyRequest("/v1/messages").getBodyAsString()).getString("model"))
        .isEqualTo("claude-sonnet-4-5");
  }

  @Test
  void anthropicStreamingToolUseFromANativeAnthropicTargetAccumulates() {
    claude.stub("/messages", FakeProvider.sseReply(Fixtures.text("anthropic/tools.sse")));
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(weatherQuestion())) {
      stream.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(m.id()).as("the provider's own message").isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U");
    List<ToolUseBlock> tools = m.content().stream().filter(c -> c.isToolUse()).map(c -> c.asToolUse()).toList();
    assertThat(tools).hasSize(2);
    assertThat(tools.get(0)._input().toString()).contains("San Francisco");
    assertThat(m.usage().outputTokens()).isEqualTo(89);
  }

  @Test
  void openAiResponsesCreateFromANativeResponsesTarget() {
    responsesUp.stub("/responses", FakeProvider.jsonReply(200, Fixtures.text("responses/native/reply-text.json")));
    Response r = openai.responses().create(ResponseCreateParams.builder().model("native").input("Greet").build());

    assertThat(r.id()).as("the provider's own response").isEqualTo("resp_whole");
    assertThat(r.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Hej, wörld 👋 — 你好!");
    assertThat(r.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(12);
    assertThat(new JsonObject(responsesUp.onlyRequest("/v1/responses").getBodyAsString()).getString("model"))
        .isEqualTo("gpt-4.1");
  }

  @Test
  void openAiResponsesStreamedFunctionCallsFromANativeResponsesTarget() {
    responsesUp.stub("/responses", FakeProvider.sseReply(Fixtures.text("responses/native/tools.sse")));
    Map<String, StringBuilder> arguments = new java.util.LinkedHashMap<>();
    List<Long> sequence = new ArrayList<>();
    Response[] completed = new Response[1];
    try (var stream = openai.responses().createStreaming(ResponseCreateParams.builder().model("native")
        .input("Weather in SF and Tokyo?").build())) {
      stream.stream().forEach(e -> {
        e.functionCallArgumentsDelta().ifPresent(d -> {
          arguments.computeIfAbsent(d.itemId(), k -> new StringBuilder()).append(d.delta());
          sequence.add(d.sequenceNumber());
        });
        e.completed().ifPresent(c -> completed[0] = c.response());
      });
    }
    assertThat(new JsonObject(arguments.get("fc_1").toString()).getString("location")).isEqualTo("San Francisco, CA");
    assertThat(new JsonObject(arguments.get("fc_2").toString()).getString("location")).isEqualTo("Tokyo");
    assertThat(sequence).isSorted();
    assertThat(completed[0].output()).filteredOn(ResponseOutputItem::isFunctionCall).hasSize(2);
    assertThat(completed[0].usage().orElseThrow().totalTokens()).isEqualTo(120);
  }
}
