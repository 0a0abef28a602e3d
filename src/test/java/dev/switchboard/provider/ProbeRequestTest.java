package dev.switchboard.provider;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What each provider type sends as a health probe: its free model listing, or a one-token completion. */
class ProbeRequestTest {
  private static final SwitchboardConfig CONFIG = ConfigLoader.fromYaml("""
      providers:
        oai: {base_url: "https://api.example.com/v1", api_key: sk-oai-0123456789, models: [gpt-x]}
        ant: {type: anthropic, base_url: "https://api.anthropic.com/v1", api_key: sk-ant-0123456789, models: [claude-x]}
        gem: {type: gemini, base_url: "https://generativelanguage.googleapis.com/v1beta", api_key: g-0123456789, models: [gemini-x]}
        az:
          type: azure
          base_url: "https://res.openai.azure.com"
          api_key: az-0123456789
          api_version: "2024-10-21"
          deployments: {gpt-4o: prod-4o}
      """, Map.of());
  private final ProviderRegistry registry = new ProviderRegistry(CONFIG);

  private UpstreamRequest probe(String id, String mode, String model) {
    return registry.get(id).adapter().probe(mode, model);
  }

  @Test
  void modelListingsWithEachApisAuthentication() {
    UpstreamRequest oai = probe("oai", "models", "gpt-x");
    assertThat(oai.method()).isEqualTo(HttpMethod.GET);
    assertThat(oai.path()).isEqualTo("/v1/models");
    assertThat(oai.headers().get("authorization")).isEqualTo("Bearer sk-oai-0123456789");
    assertThat(oai.body().length()).isZero();

    UpstreamRequest ant = probe("ant", "models", "claude-x");
    assertThat(ant.path()).isEqualTo("/v1/models");
    assertThat(ant.headers().get("x-api-key")).isEqualTo("sk-ant-0123456789");
    assertThat(ant.headers().get("anthropic-version")).isNotBlank();

    UpstreamRequest gem = probe("gem", "models", "gemini-x");
    assertThat(gem.path()).isEqualTo("/v1beta/models");
    assertThat(gem.headers().get("x-goog-api-key")).isEqualTo("g-0123456789");

    UpstreamRequest az = probe("az", "models", "gpt-4o");
    assertThat(az.path()).isEqualTo("/openai/models?api-version=2024-10-21");
    assertThat(az.headers().get("api-key")).isEqualTo("az-0123456789");
    assertThat(az.headers().get("authorization")).isNull();
  }

  @Test
  void completionProbeAsksForOneToken() {
    UpstreamRequest oai = probe("oai", "completion", "gpt-x");
    assertThat(oai.method()).isEqualTo(HttpMethod.POST);
    assertThat(oai.path()).isEqualTo("/v1/chat/completions");
    JsonObject body = oai.body().toJsonObject();
    assertThat(body.getString("model")).isEqualTo("gpt-x");
    assertThat(body.getInteger("max_tokens")).isEqualTo(1);

    UpstreamRequest ant = probe("ant", "completion", "claude-x");
    assertThat(ant.path()).isEqualTo("/v1/messages");
    assertThat(ant.body().toJsonObject().getInteger("max_tokens")).isEqualTo(1);

    UpstreamRequest az = probe("az", "completion", "gpt-4o");
    assertThat(az.path()).isEqualTo("/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21");
  }
}
