package dev.switchboard.server.responses;

import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseTextConfig;
import com.openai.models.responses.ToolChoiceOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Request bodies exactly as openai-java writes them are accepted and translate as expected. */
class SdkRequestTest {

  private static JsonObject body(ResponseCreateParams params) throws Exception {
    return new JsonObject(ObjectMappers.jsonMapper().writeValueAsString(params._body()));
  }

  @Test
  void sdkBuiltToolRoundWithStructuredOutputTranslates() throws Exception {
    ResponseCreateParams params = ResponseCreateParams.builder()
        .model("gpt-4.1")
        .instructions("Be brief.")
        .inputOfResponse(List.of(
            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                .role(EasyInputMessage.Role.USER).content("Weather in Paris?").build()),
            ResponseInputItem.ofFunctionCall(ResponseFunctionToolCall.builder()
                .callId("call_1").name("get_weather").arguments("{\"city\":\"Paris\"}").build()),
            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                .callId("call_1").output("18C").build())))
        .addTool(FunctionTool.builder().name("get_weather").strict(false)
            .parameters(FunctionTool.Parameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                .build())
            .build())
        .toolChoice(ToolChoiceOptions.AUTO)
        .maxOutputTokens(100L)
        .text(ResponseTextConfig.builder().format(ResponseFormatTextJsonSchemaConfig.builder().name("answer")
            .schema(ResponseFormatTextJsonSchemaConfig.Schema.builder()
                .putAdditionalProperty("type", JsonValue.from("object")).build())
            .strict(true).build()).build())
        .putAdditionalBodyProperty("stream", JsonValue.from(true))  // what createStreaming adds
        .build();

    JsonObject chat = ResponsesRequest.parse(body(params)).chatBody();

    assertThat(chat).isEqualTo(new JsonObject("""
        {"model":"gpt-4.1","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18C"}],
         "max_completion_tokens":100,
         "tools":[{"type":"function","function":{"name":"get_weather",
           "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":false}}],
         "tool_choice":"auto",
         "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}},
         "stream":true,"stream_options":{"include_usage":true}}"""));
  }
}
