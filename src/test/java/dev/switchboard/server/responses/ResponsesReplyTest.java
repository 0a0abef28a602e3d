package dev.switchboard.server.responses;

import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStatus;
import dev.switchboard.testing.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden translations of chat-completions replies to Responses objects, each read back by openai-java. */
class ResponsesReplyTest {
  private static final long CREATED = 1_765_000_123L;

  private static ResponsesRequest request(String body) {
    return ResponsesRequest.parse(new JsonObject(body));
  }

  private static JsonObject translate(String fixture, ResponsesRequest request) {
    return ResponsesReply.toResponse(new JsonObject(Fixtures.text("responses/" + fixture)), request, "resp_r1", CREATED);
  }

  @Test
  void textReplyWithUsageAndEchoedRequest() {
    ResponsesRequest request = request("""
        {"model":"gpt-4.1","instructions":"Be nice.","input":"Hello","temperature":0.5,"max_output_tokens":100,
         "metadata":{"team":"a"},"user":"u-1","store":false,"text":{"format":{"type":"text"}}}""");
    JsonObject response = translate("chat-reply-text.json", request);

    GoldenJson.assertMatches(response, "responses/reply-text.expected.json");
    Response sdk = SdkModels.response(response);
    assertThat(sdk.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("Hello! How can I help?");
    assertThat(sdk.status()).contains(ResponseStatus.COMPLETED);
    assertThat(sdk.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(4);
    assertThat(sdk.usage().orElseThrow().outputTokensDetails().reasoningTokens()).isEqualTo(2);
    assertThat(sdk.instructions()).isPresent();
  }

  @Test
  void textThenParallelToolCallsInOrder() {
    ResponsesRequest request = request("""
        {"model":"gpt-4.1","input":"Weather in Paris and Tokyo?","tool_choice":"auto",
         "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}""");
    JsonObject response = translate("chat-reply-tools.json", request);

    GoldenJson.assertMatches(response, "responses/reply-tools.expected.json");
    Response sdk = SdkModels.response(response);
    assertThat(sdk.output()).hasSize(3);
    assertThat(sdk.output().get(1).asFunctionCall().callId()).isEqualTo("call_paris");
    assertThat(sdk.output().get(2).asFunctionCall().arguments()).isEqualTo("{\"city\":\"Tokyo\"}");
    assertThat(sdk.tools()).hasSize(1);
  }

  @Test
  void lengthMakesTheResponseIncompleteForMaxOutputTokens() {
    JsonObject response = translate("chat-reply-length.json", request("{\"model\":\"claude\",\"input\":\"Story\",\"max_output_tokens\":3}"));

    GoldenJson.assertMatches(response, "responses/reply-length.expected.json");
    Response sdk = SdkModels.response(response);
    assertThat(sdk.status()).contains(ResponseStatus.INCOMPLETE);
    assertThat(sdk.incompleteDetails().orElseThrow().reason().orElseThrow().asString()).isEqualTo("max_output_tokens");
  }

  @Test
  void contentFilterMakesTheResponseIncompleteAndKeepsTheRefusal() {
    JsonObject response = translate("chat-reply-filtered.json", request("{\"model\":\"gemini\",\"input\":\"Bad\"}"));

    GoldenJson.assertMatches(response, "responses/reply-filtered.expected.json");
    Response sdk = SdkModels.response(response);
    assertThat(sdk.incompleteDetails().orElseThrow().reason().orElseThrow().asString()).isEqualTo("content_filter");
    assertThat(sdk.output().get(0).asMessage().content().get(0).asRefusal().refusal())
        .isEqualTo("I can't help with that.");
    assertThat(response.getValue("usage")).as("no usage known: null, not zeros").isNull();
  }

  @Test
  void storedFormContinuesTheConversation() {
    ResponsesRequest first = request("{\"model\":\"gpt-4.1\",\"input\":\"Weather in Paris and Tokyo?\","
        + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\"}]}");
    StoredResponse stored = StoredResponse.of(first, translate("chat-reply-tools.json", first));

    assertThat(StoredResponse.fromJson(new JsonObject(stored.toJson().encode()))).isEqualTo(stored);
    ResponsesRequest next = request("""
        {"model":"gpt-4.1","previous_response_id":"resp_r1","input":[
          {"type":"function_call_output","call_id":"call_paris","output":"18C"},
          {"type":"function_call_output","call_id":"call_tokyo","output":"22C"}]}""")
        .withHistory(stored.input(), stored.output());

    assertThat(next.chatBody().getJsonArray("messages")).isEqualTo(new io.vertx.core.json.JsonArray("""
        [{"role":"user","content":[{"type":"text","text":"Weather in Paris and Tokyo?"}]},
         {"role":"assistant","content":"Checking both cities.","tool_calls":[
           {"id":"call_paris","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
           {"id":"call_tokyo","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},
         {"role":"tool","tool_call_id":"call_paris","content":"18C"},
         {"role":"tool","tool_call_id":"call_tokyo","content":"22C"}]"""));
    assertThat(StoredResponse.of(next, new JsonObject().put("id", "resp_r2")).input()).as("first input, its three output items, two tool results").hasSize(6);
  }
}
