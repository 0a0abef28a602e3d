package dev.switchboard.provider;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.NativeFront;
import dev.switchboard.api.WireFormat;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which adapter speaks which front end's API natively, and what its native upstream request looks like. */
class NativeFormatTest {
  private static final SwitchboardConfig CONFIG = ConfigLoader.fromYaml("""
      providers:
        openai: {base_url: "https://api.openai.com/v1", api_key: sk-oai-0123456789, models: [gpt-x]}
        compat: {base_url: "https://api.example.com/v1", api_key: sk-cmp-0123456789, models: [m]}
        ant: {type: anthropic, base_url: "https://api.anthropic.com/v1", api_key: sk-ant-0123456789, models: [claude-x]}
        gem: {type: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta", api_key: g-0123456789, models: [gemini-x]}
        az:
          type: azure
          base_url: "https://res.openai.azure.com"
          api_key: az-0123456789
          responses: true
          deployments: {gpt-4o: prod-4o}
      """, Map.of());
  private final ProviderRegistry registry = new ProviderRegistry(CONFIG);

  private static NativeFront front(String api, JsonObject body) {
    return new NativeFront() {
      @Override
      public String api() {
        return api;
      }

      @Override
      public JsonObject body(String providerId) {
        return body;
      }

      @Override
      public MultiMap apiHeaders() {
        return MultiMap.caseInsensitiveMultiMap().add("anthropic-beta", "a").add("anthropic-beta", "b");
      }

      @Override
      public WireFormat format(String providerId) {
        return null;
      }
    };
  }

  private static GatewayRequest chat(boolean stream) {
    JsonObject body = new JsonObject().put("model", "x").put("messages", new io.vertx.core.json.JsonArray());
    return new GatewayRequest("r1", Endpoint.CHAT, "x", stream, false, body, body.toBuffer(), "k", null, null, 0);
  }

  @Test
  void eachAdapterSpeaksOnlyItsOwnApiNatively() {
    NativeFront messages = front("messages", new JsonObject());
    NativeFront responses = front("responses", new JsonObject());
    assertThat(registry.get("ant").adapter().nativeFormat(messages)).isNotNull();
    assertThat(registry.get("ant").adapter().nativeFormat(responses)).isNull();
    assertThat(registry.get("openai").adapter().nativeFormat(responses)).as("api.openai.com: on by default").isNotNull();
    assertThat(registry.get("openai").adapter().nativeFormat(messages)).isNull();
    assertThat(registry.get("compat").adapter().nativeFormat(responses)).as("needs responses: true").isNull();
    assertThat(registry.get("gem").adapter().nativeFormat(responses)).isNull();
    assertThat(registry.get("gem").adapter().nativeFormat(messages)).isNull();
  }

  @Test
  void azureTakesResponsesOnItsV1PathWithTheDeploymentAsTheModel() {
    JsonObject body = new JsonObject().put("model", "gpt").put("input", "hi");
    UpstreamRequest up = registry.get("az").adapter().nativeFormat(front("responses", body)).prepare(chat(true),
        "gpt-4o");
    assertThat(up.path()).isEqualTo("/openai/v1/responses");
    assertThat(up.headers().get("api-key")).isEqualTo("az-0123456789");
    assertThat(up.headers().get("authorization")).isNull();
    assertThat(up.headers().get("accept")).isEqualTo("text/event-stream");
    assertThat(new JsonObject(up.body())).isEqualTo(new JsonObject().put("model", "prod-4o").put("input", "hi"));
    assertThat(body.getString("model")).as("the client's body is not changed").isEqualTo("gpt");
  }

  @Test
  void anthropicForwardsTheClientsApiHeadersWithItsOwnKey() {
    UpstreamRequest up = registry.get("ant").adapter().nativeFormat(front("messages",
        new JsonObject().put("model", "c").put("max_tokens", 5))).prepare(chat(false), "claude-x");
    assertThat(up.path()).isEqualTo("/v1/messages");
    assertThat(up.headers().get("x-api-key")).isEqualTo("sk-ant-0123456789");
    assertThat(up.headers().get("anthropic-version")).as("the configured one when the client sent none")
        .isEqualTo("2023-06-01");
    assertThat(up.headers().get("anthropic-beta")).isEqualTo("a,b");
    assertThat(new JsonObject(up.body()).getString("model")).isEqualTo("claude-x");
  }
}
