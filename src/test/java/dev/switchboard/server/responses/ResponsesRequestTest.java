package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Golden translations of Responses request bodies to chat-completions bodies, and the 400s for what cannot be. */
class ResponsesRequestTest {

  private static JsonObject chat(String responses) {
    return ResponsesRequest.parse(new JsonObject(responses)).chatBody();
  }

  private static ApiError refusal(String responses) {
    return catchThrowableOfType(ApiException.class, () -> ResponsesRequest.parse(new JsonObject(responses))).error();
  }

  @Test
  void stringInputIsOneUserMessage() {
    ResponsesRequest request = ResponsesRequest.parse(new JsonObject("{\"model\":\"gpt-x\",\"input\":\"Hi there\"}"));

    assertThat(request.chatBody()).isEqualTo(new JsonObject("""
        {"model":"gpt-x","messages":[{"role":"user","content":[{"type":"text","text":"Hi there"}]}]}"""));
    assertThat(request.input()).isEqualTo(new JsonArray("""
        [{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi there"}]}]"""));
    assertThat(request.stream()).isFalse();
    assertThat(request.store()).as("OpenAI stores by default").isTrue();
  }

  @Test
  void instructionsComeFirstAndParametersTranslate() {
    assertThat(chat("""
        {"model":"gpt-x","instructions":"Be terse.","input":"Hi","temperature":0.3,"top_p":0.9,
         "max_output_tokens":200,"user":"u-1","metadata":{"k":"v"},"store":false,"truncation":"auto",
         "reasoning":{"effort":"low","summary":"auto"},"stream":true,"service_tier":"flex",
         "include":["message.input_image.image_url"]}""")).isEqualTo(new JsonObject("""
        {"model":"gpt-x",
         "messages":[{"role":"system","content":"Be terse."},
                     {"role":"user","content":[{"type":"text","text":"Hi"}]}],
         "temperature":0.3,"top_p":0.9,"max_completion_tokens":200,"user":"u-1","service_tier":"flex",
         "reasoning_effort":"low",
         "stream":true,"stream_options":{"include_usage":true}}"""));
  }

  @Test
  void messageListWithRolesImagesFilesAndAssistantHistory() {
    assertThat(chat("""
        {"model":"gpt-x","input":[
          {"role":"developer","content":"Use metric units."},
          {"type":"message","role":"system","content":[{"type":"input_text","text":"Answer in French."}]},
          {"role":"user","content":[
            {"type":"input_text","text":"What is in these?"},
            {"type":"input_image","image_url":"https://example.com/a.jpg","detail":"high"},
            {"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="},
            {"type":"input_file","filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}]},
          {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[
            {"type":"output_text","text":"A cat ","annotations":[]},{"type":"output_text","text":"and a PDF.","annotations":[]}]},
          {"type":"reasoning","id":"rs_1","summary":[]},
          {"role":"user","content":"Thanks"}]}""")).isEqualTo(new JsonObject("""
        {"model":"gpt-x","messages":[
          {"role":"developer","content":"Use metric units."},
          {"role":"system","content":[{"type":"text","text":"Answer in French."}]},
          {"role":"user","content":[
            {"type":"text","text":"What is in these?"},
            {"type":"image_url","image_url":{"url":"https://example.com/a.jpg","detail":"high"}},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
            {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}}]},
          {"role":"assistant","content":"A cat and a PDF."},
          {"role":"user","content":"Thanks"}]}"""));
  }

  @Test
  void functionCallRoundBecomesOneAssistantTurnWithParallelCallsThenToolMessages() {
    assertThat(chat("""
        {"model":"gpt-x","input":[
          {"role":"user","content":"Weather in Paris and Tokyo?"},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking.","annotations":[]}]},
          {"type":"function_call","id":"fc_1","call_id":"call_a","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}","status":"completed"},
          {"type":"function_call","id":"fc_2","call_id":"call_b","name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"},
          {"type":"function_call_output","call_id":"call_a","output":"18°C"},
          {"type":"function_call_output","call_id":"call_b","output":[{"type":"input_text","text":"22°C"}]},
          {"type":"function_call","call_id":"call_c","name":"get_time"}],
         "tools":[{"type":"function","name":"get_weather","description":"Weather for a city","strict":true,
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
                                 "additionalProperties":false}},
                  {"type":"function","name":"get_time"}],
         "tool_choice":"required","parallel_tool_calls":false}""")).isEqualTo(new JsonObject("""
        {"model":"gpt-x","messages":[
          {"role":"user","content":"Weather in Paris and Tokyo?"},
          {"role":"assistant","content":"Checking.","tool_calls":[
            {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]},
          {"role":"tool","tool_call_id":"call_a","content":"18°C"},
          {"role":"tool","tool_call_id":"call_b","content":[{"type":"text","text":"22°C"}]},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_c","type":"function","function":{"name":"get_time","arguments":"{}"}}]}],
         "tools":[
          {"type":"function","function":{"name":"get_weather","description":"Weather for a city",
            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
                          "additionalProperties":false},"strict":true}},
          {"type":"function","function":{"name":"get_time"}}],
         "tool_choice":"required","parallel_tool_calls":false}"""));
  }

  @Test
  void textFormatJsonSchemaBecomesResponseFormat() {
    JsonObject out = chat("""
        {"model":"gpt-x","input":"List two colours",
         "text":{"format":{"type":"json_schema","name":"colours","description":"Two colours","strict":true,
                           "schema":{"type":"object","properties":{"c":{"type":"array","items":{"type":"string"}}},
                                     "required":["c"],"additionalProperties":false}},
                 "verbosity":"low"}}""");

    assertThat(out.getJsonObject("response_format")).isEqualTo(new JsonObject("""
        {"type":"json_schema","json_schema":{"name":"colours","description":"Two colours",
          "schema":{"type":"object","properties":{"c":{"type":"array","items":{"type":"string"}}},
                    "required":["c"],"additionalProperties":false},"strict":true}}"""));
    assertThat(out.getString("verbosity")).isEqualTo("low");
    assertThat(chat("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}")
        .getJsonObject("response_format")).isEqualTo(new JsonObject().put("type", "json_object"));
    assertThat(chat("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"text\"}}}")
        .containsKey("response_format")).as("plain text is chat's default").isFalse();
  }

  @Test
  void toolChoiceForms() {
    String base = "{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"tool_choice\":%s}";
    assertThat(chat(base.formatted("\"auto\"")).getValue("tool_choice")).isEqualTo("auto");
    assertThat(chat(base.formatted("\"none\"")).getValue("tool_choice")).isEqualTo("none");
    assertThat(chat(base.formatted("\"required\"")).getValue("tool_choice")).isEqualTo("required");
    assertThat(chat(base.formatted("{\"type\":\"function\",\"name\":\"f\"}")).getValue("tool_choice"))
        .isEqualTo(new JsonObject("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"));
    assertThat(chat("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"auto\",\"parallel_tool_calls\":true}"))
        .as("chat refuses tool_choice and parallel_tool_calls without tools")
        .isEqualTo(new JsonObject("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}"));
  }

  @Test
  void historyFromAStoredResponseGoesBeforeTheNewInputButAfterInstructions() {
    JsonArray priorInput = new JsonArray("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"}]}]");
    JsonArray priorOutput = new JsonArray("""
        [{"id":"fc_x_0","type":"function_call","status":"completed","call_id":"call_1","name":"w","arguments":"{}"}]""");
    ResponsesRequest request = ResponsesRequest.parse(new JsonObject("""
        {"model":"m","instructions":"New rules.","previous_response_id":"resp_x",
         "input":[{"type":"function_call_output","call_id":"call_1","output":"sunny"}]}"""))
        .withHistory(priorInput, priorOutput);

    assertThat(request.chatBody().getJsonArray("messages")).isEqualTo(new JsonArray("""
        [{"role":"system","content":"New rules."},
         {"role":"user","content":[{"type":"text","text":"Weather?"}]},
         {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"w","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"sunny"}]"""));
    assertThat(request.previousResponseId()).isEqualTo("resp_x");
    assertThat(request.conversation()).hasSize(3);
    assertThat(request.input()).hasSize(1);
  }

  @Test
  void inputMayBeAbsentOnlyWhenContinuing() {
    assertThat(refusal("{\"model\":\"m\"}").param()).isEqualTo("input");
    ResponsesRequest continuing = ResponsesRequest.parse(new JsonObject("{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"instructions\":\"Go on.\"}"));
    assertThat(continuing.input()).isEmpty();
  }

  /** Every field or value the gateway cannot honour is a 400 naming it, in OpenAI's error shape. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      built-in web_search tool     | "tools":[{"type":"function","name":"f"},{"type":"web_search"}]   | tools[1].type     | unsupported_parameter
      file_search tool             | "tools":[{"type":"file_search","vector_store_ids":["v"]}]        | tools[0].type     | unsupported_parameter
      computer_use tool            | "tools":[{"type":"computer_use_preview"}]                        | tools[0].type     | unsupported_parameter
      code_interpreter tool        | "tools":[{"type":"code_interpreter","container":{"type":"auto"}}]| tools[0].type     | unsupported_parameter
      image_generation tool        | "tools":[{"type":"image_generation"}]                            | tools[0].type     | unsupported_parameter
      mcp tool                     | "tools":[{"type":"mcp","server_label":"x"}]                      | tools[0].type     | unsupported_parameter
      function tool without name   | "tools":[{"type":"function"}]                                    | tools[0].name     | missing_required_parameter
      hosted tool_choice           | "tool_choice":{"type":"web_search_preview"}                      | tool_choice.type  | unsupported_parameter
      bad tool_choice              | "tool_choice":"sometimes"                                        | tool_choice       | invalid_value
      background                   | "background":true                                                | background        | unsupported_parameter
      conversation                 | "conversation":"conv_1"                                          | conversation      | unsupported_parameter
      prompt template              | "prompt":{"id":"pmpt_1"}                                         | prompt            | unsupported_parameter
      max_tool_calls               | "max_tool_calls":3                                               | max_tool_calls    | unsupported_parameter
      top_logprobs                 | "top_logprobs":2                                                 | top_logprobs      | unsupported_parameter
      include reasoning            | "include":["reasoning.encrypted_content"]                        | include[0]        | unsupported_parameter
      include search results       | "include":["message.input_image.image_url","file_search_call.results"] | include[1] | unsupported_parameter
      truncation value             | "truncation":"middle"                                            | truncation        | invalid_value
      unknown parameter            | "frobnicate":1                                                   | frobnicate        | unknown_parameter
      max_output_tokens type       | "max_output_tokens":"many"                                       | max_output_tokens | invalid_type
      temperature type             | "temperature":"hot"                                              | temperature       | invalid_type
      metadata value type          | "metadata":{"n":1}                                               | metadata.n        | invalid_type
      json_schema without schema   | "text":{"format":{"type":"json_schema","name":"x"}}              | text.format.schema| missing_required_parameter
      text format type             | "text":{"format":{"type":"yaml"}}                                | text.format.type  | invalid_value
      """)
  void unsupportedFieldIsA400NamingIt(String story, String field, String param, String code) {
    ApiError error = refusal("{\"model\":\"m\",\"input\":\"x\"," + field + "}");

    assertThat(error.status()).isEqualTo(400);
    assertThat(error.type()).isEqualTo("invalid_request_error");
    assertThat(error.param()).isEqualTo(param);
    assertThat(error.code()).isEqualTo(code);
    assertThat(error.message()).isNotBlank();
    assertThat(error.toJson().getJsonObject("error").fieldNames())
        .containsExactlyInAnyOrder("message", "type", "param", "code");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      image by file id only         | {"role":"user","content":[{"type":"input_image","file_id":"file_1"}]}       | input[0].content[0].file_id   | unsupported_parameter
      file by file id               | {"role":"user","content":[{"type":"input_file","file_id":"file_1"}]}        | input[0].content[0].file_id   | unsupported_parameter
      file by url                   | {"role":"user","content":[{"type":"input_file","file_url":"https://x"}]}    | input[0].content[0].file_url  | unsupported_parameter
      bad role                      | {"role":"tool","content":"x"}                                               | input[0].role                 | invalid_value
      output_text in a user message | {"role":"user","content":[{"type":"output_text","text":"x"}]}              | input[0].content[0].type      | invalid_value
      image in a system message     | {"role":"system","content":[{"type":"input_image","image_url":"https://x"}]}| input[0].content[0].type     | invalid_value
      item reference                | {"type":"item_reference","id":"msg_1"}                                      | input[0]                      | unsupported_parameter
      built-in tool call item       | {"type":"web_search_call","id":"ws_1"}                                      | input[0].type                 | unsupported_parameter
      call without call_id          | {"type":"function_call","name":"f","arguments":"{}"}                        | input[0].call_id              | missing_required_parameter
      output without call_id        | {"type":"function_call_output","output":"x"}                                | input[0].call_id              | missing_required_parameter
      image in a call output        | {"type":"function_call_output","call_id":"c","output":[{"type":"input_image","image_url":"https://x"}]} | input[0].output[0].type | invalid_value
      item without type or role     | {"content":"x"}                                                             | input[0].type                 | missing_required_parameter
      """)
  void badInputItemIsA400NamingItsPath(String story, String item, String param, String code) {
    ApiError error = refusal("{\"model\":\"m\",\"input\":[" + item + "]}");

    assertThat(error.status()).isEqualTo(400);
    assertThat(error.param()).isEqualTo(param);
    assertThat(error.code()).isEqualTo(code);
  }

  @Test
  void emptyInputNeedsInstructionsOrHistory() {
    assertThat(refusal("{\"model\":\"m\",\"input\":[]}").param()).isEqualTo("input");
    assertThat(chat("{\"model\":\"m\",\"input\":[],\"instructions\":\"Say hi.\"}").getJsonArray("messages"))
        .isEqualTo(new JsonArray("[{\"role\":\"system\",\"content\":\"Say hi.\"}]"));
  }

  @Test
  void anUntranslatableHistoryItemNamesPreviousResponseId() {
    ResponsesRequest request = ResponsesRequest.parse(new JsonObject(
        "{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"input\":\"go on\"}"));
    ApiError error = catchThrowableOfType(ApiException.class, () -> request.withHistory(
        new JsonArray("[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]"), new JsonArray())).error();

    assertThat(error.param()).isEqualTo("previous_response_id.type");
  }

  @Test
  void theResponseEchoesTextOptionsWithTheDefaultFormat() {
    JsonObject echo = ResponsesRequest.parse(new JsonObject(
        "{\"model\":\"m\",\"input\":\"x\",\"text\":{\"verbosity\":\"high\"}}")).echo();

    assertThat(echo.getJsonObject("text")).isEqualTo(new JsonObject("{\"verbosity\":\"high\",\"format\":{\"type\":\"text\"}}"));
  }

  @Test
  void missingModelIsNamed() {
    assertThat(refusal("{\"input\":\"x\"}").param()).isEqualTo("model");
    assertThat(refusal("{\"model\":\"m\",\"input\":42}").param()).isEqualTo("input");
  }
}
