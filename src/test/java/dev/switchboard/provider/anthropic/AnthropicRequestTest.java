package dev.switchboard.provider.anthropic;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.Endpoint;
import dev.switchboard.testing.Requests;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenAI chat requests -> Anthropic Messages requests. */
class AnthropicRequestTest {

  private static ProviderConfig config(String extra) {
    return ConfigLoader.fromYaml("""
        providers:
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            api_key: sk-ant-test-key-123456
            models: [claude-x]
        %s""".formatted(extra), Map.of()).providers().get("anth");
  }

  private static JsonObject translate(String openAi) {
    return new JsonObject(new AnthropicAdapter(config("")).prepare(Requests.chat(openAi), "claude-x").body());
  }

  @Test
  void conversationWithSystemToolsImagesAndToolResults() {
    JsonObject out = translate("""
        {"model":"alias","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
          {"role":"user","content":[
            {"type":"text","text":"What is in this picture, and the weather there?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
            {"type":"image_url","image_url":{"url":"https://example.com/paris.jpg","detail":"high"}}]},
          {"role":"user","content":"Be quick."},
          {"role":"assistant","content":"","tool_calls":[
            {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":""}}]},
          {"role":"tool","tool_call_id":"toolu_1","content":"18°C"},
          {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"14:00"}]},
          {"role":"user","content":"Thanks, summarise."}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city",
            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
          {"type":"function","function":{"name":"get_time"}}],
         "tool_choice":"required","parallel_tool_calls":false,
         "max_completion_tokens":300,"stop":"END","temperature":1.6,"top_p":0.9,"user":"u-42",
         "seed":7,"logprobs":true,"presence_penalty":0.5,"response_format":{"type":"json_object"}}""");

    assertThat(out).isEqualTo(new JsonObject("""
        {"model":"claude-x",
         "system":"You are terse.\\n\\nUse metric units.",
         "messages":[
          {"role":"user","content":[
            {"type":"text","text":"What is in this picture, and the weather there?"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
            {"type":"image","source":{"type":"url","url":"https://example.com/paris.jpg"}},
            {"type":"text","text":"Be quick."}]},
          {"role":"assistant","content":[
            {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
          {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_1","content":"18°C"},
            {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"14:00"}]},
            {"type":"text","text":"Thanks, summarise."}]}],
         "max_tokens":300,
         "stop_sequences":["END"],
         "temperature":1.0,
         "top_p":0.9,
         "metadata":{"user_id":"u-42"},
         "tools":[
          {"name":"get_weather","description":"Weather for a city",
           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
          {"name":"get_time","input_schema":{"type":"object","properties":{}}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true}}"""));
  }

  @Test
  void maxTokensDefaultsFromConfigAndStreamIsAsked() {
    JsonObject defaulted = translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(defaulted.getInteger("max_tokens")).isEqualTo(4096);
    assertThat(defaulted.containsKey("stream")).isFalse();

    UpstreamRequest configured = new AnthropicAdapter(config("    default_max_tokens: 1024\n")).prepare(
        Requests.chat("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "claude-x");
    JsonObject body = new JsonObject(configured.body());
    assertThat(body.getInteger("max_tokens")).isEqualTo(50);
    assertThat(body.getBoolean("stream")).isTrue();
    assertThat(body.containsKey("stream_options")).isFalse();
    assertThat(configured.headers().get("accept")).isEqualTo("text/event-stream");

    JsonObject fromConfig = new JsonObject(new AnthropicAdapter(config("    default_max_tokens: 1024\n")).prepare(
        Requests.chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "claude-x").body());
    assertThat(fromConfig.getInteger("max_tokens")).isEqualTo(1024);
  }

  @Test
  void toolChoiceVariants() {
    String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":%s}";
    assertThat(translate(base.formatted("\"auto\"")).getJsonObject("tool_choice"))
        .isEqualTo(new JsonObject().put("type", "auto"));
    assertThat(translate(base.formatted("\"none\"")).getJsonObject("tool_choice"))
        .isEqualTo(new JsonObject().put("type", "none"));
    assertThat(translate(base.formatted("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"))
        .getJsonObject("tool_choice")).isEqualTo(new JsonObject().put("type", "tool").put("name", "f"));
    // no tools: no tool_choice either (Anthropic refuses one without tools)
    assertThat(translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"auto\"}")
        .containsKey("tool_choice")).isFalse();
  }

  @Test
  void headersCarryTheKeyAndVersionNeverAnAuthorization() {
    UpstreamRequest r = new AnthropicAdapter(config("    api_version: 2023-01-01\n    headers: {anthropic-beta: tools-2024}\n"))
        .prepare(Requests.chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "claude-x");

    assertThat(r.path()).isEqualTo("/v1/messages");
    assertThat(r.headers().get("x-api-key")).isEqualTo("sk-ant-test-key-123456");
    assertThat(r.headers().get("anthropic-version")).isEqualTo("2023-01-01");
    assertThat(r.headers().get("anthropic-beta")).isEqualTo("tools-2024");
    assertThat(r.headers().get("authorization")).isNull();
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
  }

  @Test
  void requestsTheMessagesApiCannotServeAreRefusedWithAReason() {
    AnthropicAdapter a = new AnthropicAdapter(config(""));
    assertThat(a.unsupported(Requests.chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
        .isNull();
    assertThat(a.unsupported(Requests.of(Endpoint.IMAGES, "{\"model\":\"m\",\"prompt\":\"a cat\"}")))
        .contains("chat completions only").contains("/v1/images/generations");
    assertThat(a.unsupported(Requests.of(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\"}")))
        .contains("/v1/embeddings");
    assertThat(a.unsupported(Requests.chat("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
        .contains("'n' must be 1");
    assertThat(a.unsupported(Requests.chat("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}]}""")))
        .contains("input_audio");
    assertThat(a.unsupported(Requests.chat("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""")))
        .contains("image_url");
    assertThat(a.unsupported(Requests.chat("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0="}}]}]}""")))
        .isNull();
  }

  @Test
  void pdfFilesBecomeDocumentBlocks() {
    JsonObject out = translate("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Summarise"},
          {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}""");
    assertThat(out.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(1))
        .isEqualTo(new JsonObject("""
            {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}"""));
  }
}
