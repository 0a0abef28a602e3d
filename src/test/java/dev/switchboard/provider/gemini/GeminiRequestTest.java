package dev.switchboard.provider.gemini;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.Endpoint;
import dev.switchboard.testing.Requests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenAI requests -> Gemini requests: paths, headers and bodies. */
class GeminiRequestTest {
  private static final ProviderConfig CONFIG = ConfigLoader.fromYaml("""
      providers:
        gem:
          type: gemini
          base_url: https://generativelanguage.googleapis.com/v1beta
          api_key: AIza-test-key-123456
          models: [gemini-x]
      """, Map.of()).providers().get("gem");

  private static UpstreamRequest prepare(Endpoint endpoint, String json, String model) {
    return new GeminiAdapter(CONFIG).prepare(Requests.of(endpoint, json), model);
  }

  @Test
  void conversationWithSystemToolsImagesAudioAndFunctionResults() {
    UpstreamRequest r = prepare(Endpoint.CHAT, """
        {"model":"alias","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":[
            {"type":"text","text":"Weather where this is?"},
            {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
            {"type":"image_url","image_url":{"url":"https://example.com/eiffel.png"}},
            {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"{\\"temp\\":18}"},
          {"role":"tool","tool_call_id":"call_2","content":"14:00"},
          {"role":"assistant","content":"18°C at 14:00."},
          {"role":"user","content":"Thanks"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}}},
          {"type":"function","function":{"name":"get_time"}}],
         "tool_choice":{"type":"function","function":{"name":"get_weather"}},
         "temperature":0.2,"top_p":0.8,"max_tokens":256,"stop":["END","STOP"],"n":2,"seed":3,
         "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},
         "logit_bias":{"1":1},"user":"u1"}""", "gemini-x");

    assertThat(r.path()).isEqualTo("/v1beta/models/gemini-x:generateContent");
    assertThat(r.headers().get("x-goog-api-key")).isEqualTo("AIza-test-key-123456");
    assertThat(r.headers().get("authorization")).isNull();
    assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject("""
        {"contents":[
          {"role":"user","parts":[
            {"text":"Weather where this is?"},
            {"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}},
            {"fileData":{"mimeType":"image/png","fileUri":"https://example.com/eiffel.png"}},
            {"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}}]},
          {"role":"model","parts":[
            {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
            {"functionCall":{"name":"get_time","args":{}}}]},
          {"role":"user","parts":[
            {"functionResponse":{"name":"get_weather","response":{"temp":18}}},
            {"functionResponse":{"name":"get_time","response":{"content":"14:00"}}}]},
          {"role":"model","parts":[{"text":"18°C at 14:00."}]},
          {"role":"user","parts":[{"text":"Thanks"}]}],
         "systemInstruction":{"parts":[{"text":"You are terse."}]},
         "tools":[{"functionDeclarations":[
           {"name":"get_weather","description":"Weather",
            "parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}},
           {"name":"get_time"}]}],
         "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}},
         "generationConfig":{"temperature":0.2,"topP":0.8,"seed":3,"candidateCount":2,"maxOutputTokens":256,
           "stopSequences":["END","STOP"],"responseMimeType":"application/json","responseJsonSchema":{"type":"object"}}}"""));
  }

  @Test
  void thoughtSignaturesOfFunctionCallsComeBackWithTheCalls() {
    // Gemini 3 models sign their function calls and refuse (400) a history whose calls lost their signature.
    JsonObject reply = GeminiReply.chat(new JsonObject("""
        {"candidates":[{"index":0,"finishReason":"STOP","content":{"role":"model","parts":[
          {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CiQB+/xyZw=="},
          {"functionCall":{"name":"get_time","args":{}}}]}}]}"""), "gemini-3-flash");
    JsonArray calls = reply.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getJsonArray("tool_calls");
    String signed = calls.getJsonObject(0).getString("id");
    String unsigned = calls.getJsonObject(1).getString("id");
    assertThat(signed).matches("[A-Za-z0-9_-]+");

    UpstreamRequest r = prepare(Endpoint.CHAT, new JsonObject().put("model", "m").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Weather and time?"))
        .add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", calls))
        .add(new JsonObject().put("role", "tool").put("tool_call_id", signed).put("content", "18"))
        .add(new JsonObject().put("role", "tool").put("tool_call_id", unsigned).put("content", "14:00"))).encode(),
        "gemini-3-flash");

    JsonArray contents = new JsonObject(r.body()).getJsonArray("contents");
    assertThat(contents.getJsonObject(1)).isEqualTo(new JsonObject("""
        {"role":"model","parts":[
          {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CiQB+/xyZw=="},
          {"functionCall":{"name":"get_time","args":{}}}]}"""));
    assertThat(contents.getJsonObject(2).getJsonArray("parts").getJsonObject(0).getJsonObject("functionResponse")
        .getString("name")).isEqualTo("get_weather");
  }

  @Test
  void streamsUseSseAndQualifiedModelNamesStayAsTheyAre() {
    UpstreamRequest r = prepare(Endpoint.CHAT, "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_object\"},\"tool_choice\":\"none\"}", "tunedModels/my-tune");

    assertThat(r.path()).isEqualTo("/v1beta/tunedModels/my-tune:streamGenerateContent?alt=sse");
    assertThat(r.headers().get("accept")).isEqualTo("text/event-stream");
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getJsonObject("generationConfig")).isEqualTo(new JsonObject().put("responseMimeType", "application/json"));
    assertThat(body.containsKey("toolConfig")).isFalse();
    assertThat(body.containsKey("stream")).isFalse();
  }

  @Test
  void embeddingsUseEmbedContentForOneTextAndBatchForMany() {
    UpstreamRequest one = prepare(Endpoint.EMBEDDINGS, "{\"model\":\"e\",\"input\":\"hello\",\"dimensions\":256}",
        "text-embedding-004");
    assertThat(one.path()).isEqualTo("/v1beta/models/text-embedding-004:embedContent");
    assertThat(new JsonObject(one.body())).isEqualTo(new JsonObject("""
        {"model":"models/text-embedding-004","content":{"parts":[{"text":"hello"}]},"outputDimensionality":256}"""));

    UpstreamRequest many = prepare(Endpoint.EMBEDDINGS, "{\"model\":\"e\",\"input\":[\"a\",\"b\"],"
        + "\"encoding_format\":\"base64\"}", "text-embedding-004");
    assertThat(many.path()).isEqualTo("/v1beta/models/text-embedding-004:batchEmbedContents");
    assertThat(new JsonObject(many.body())).isEqualTo(new JsonObject("""
        {"requests":[
          {"model":"models/text-embedding-004","content":{"parts":[{"text":"a"}]}},
          {"model":"models/text-embedding-004","content":{"parts":[{"text":"b"}]}}]}"""));
  }

  @Test
  void endpointsAndInputsGeminiCannotServeAreRefusedWithAReason() {
    GeminiAdapter a = new GeminiAdapter(CONFIG);
    assertThat(a.unsupported(Requests.of(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":[\"a\"]}"))).isNull();
    assertThat(a.unsupported(Requests.of(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":[[1,2,3]]}")))
        .contains("token-id arrays");
    assertThat(a.unsupported(Requests.of(Endpoint.IMAGES, "{\"prompt\":\"a cat\"}")))
        .contains("chat completions and embeddings only");
    assertThat(a.unsupported(Requests.of(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"x\"}")))
        .contains("/v1/completions");
    assertThat(a.unsupported(Requests.chat("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"video_url","video_url":"x"}]}]}""")))
        .contains("video_url");
  }
}
