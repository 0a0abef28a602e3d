package dev.switchboard.config;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The anthropic, gemini and azure provider types and their settings. */
class TranslatedProviderConfigTest {

  private static ProviderConfig provider(String yaml) {
    return ConfigLoader.fromYaml(yaml, Map.of()).providers().values().iterator().next();
  }

  private static List<String> problems(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.fromYaml(yaml, Map.of()));
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.problems();
  }

  @Test
  void typesAndDefaults() {
    ProviderConfig anthropic = provider("""
        providers:
          anth: {type: anthropic, base_url: https://api.anthropic.com/v1, api_key: k, models: [claude-x]}
        """);
    assertThat(anthropic.type()).isEqualTo(ProviderType.ANTHROPIC);
    assertThat(anthropic.api().apiVersion()).isEqualTo("2023-06-01");
    assertThat(anthropic.api().defaultMaxTokens()).isEqualTo(4096);

    ProviderConfig gemini = provider("""
        providers:
          gem: {type: Gemini, base_url: https://generativelanguage.googleapis.com/v1beta, models: [gemini-x]}
        """);
    assertThat(gemini.type()).isEqualTo(ProviderType.GEMINI);
    assertThat(gemini.api()).isEqualTo(ApiOptions.NONE);

    ProviderConfig azure = provider("""
        providers:
          az: {type: azure, base_url: https://res.openai.azure.com, api_key: k, models: [gpt-4o-mini]}
        """);
    assertThat(azure.api().apiVersion()).isEqualTo("2024-10-21");
    assertThat(azure.api().deploymentFor("gpt-4o-mini")).isEqualTo("gpt-4o-mini");

    ProviderConfig openai = provider("""
        providers:
          up: {base_url: http://127.0.0.1:9/v1, models: [m]}
        """);
    assertThat(openai.api()).isEqualTo(ApiOptions.NONE);
  }

  @Test
  void settingsAreReadAndAzureServesItsDeployments() {
    ProviderConfig anthropic = provider("""
        providers:
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            api_version: 2023-01-01
            default_max_tokens: 1024
            models: [claude-x]
        """);
    // unquoted, YAML reads the version as a date; it is still the version as written
    assertThat(anthropic.api().apiVersion()).isEqualTo("2023-01-01");
    assertThat(anthropic.api().defaultMaxTokens()).isEqualTo(1024);
    assertThat(provider("""
        providers:
          up: {base_url: http://127.0.0.1:9/v1, models: [m], headers: {anthropic-version: 2023-06-01}}
        """).headers()).containsEntry("anthropic-version", "2023-06-01");

    ProviderConfig azure = provider("""
        providers:
          az:
            type: azure
            base_url: https://res.openai.azure.com
            api_version: "2025-01-01-preview"
            deployments: {gpt-4o: prod-4o, text-embedding-3-small: emb.small_1}
            models: [gpt-4o]
        """);
    assertThat(azure.api().apiVersion()).isEqualTo("2025-01-01-preview");
    assertThat(azure.api().deploymentFor("gpt-4o")).isEqualTo("prod-4o");
    assertThat(azure.api().deploymentFor("text-embedding-3-small")).isEqualTo("emb.small_1");
    assertThat(azure.models()).containsExactly("gpt-4o", "text-embedding-3-small");
  }

  @Test
  void everyProblemIsReportedByItsFieldPath() {
    List<String> problems = problems("""
        providers:
          up:
            base_url: http://127.0.0.1:9/v1
            api_version: 2024-10-21
            deployments: {a: b}
            models: [m]
          gem:
            type: gemini
            base_url: https://generativelanguage.googleapis.com/v1beta
            default_max_tokens: 10
            models: [g]
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            api_version: "2023-06-01\\nx-evil: 1"
            default_max_tokens: 0
            anthropic_beta: yes
            models: [c]
          az:
            type: azure
            base_url: https://res.openai.azure.com
            deployments: {gpt-4o: "my deployment", "gpt-*": x}
            models: [gpt-4o]
          bad:
            type: bedrock
            base_url: https://x.example
            models: [b]
        """);

    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.up.api_version:")
        .contains("only for anthropic and azure"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.up.deployments:")
        .contains("only for azure"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.gem.default_max_tokens:")
        .contains("only for anthropic"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.anth.api_version:")
        .contains("must be a version"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.anth.default_max_tokens:")
        .contains("between 1 and"));
    assertThat(problems).anySatisfy(p -> assertThat(p).isEqualTo("providers.anth.anthropic_beta: unknown field"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.az.deployments.gpt-4o:")
        .contains("deployment name"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.az.deployments.gpt-*:")
        .contains("no '*'"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("providers.bad.type:")
        .contains("openai, local, anthropic, gemini, azure"));
  }

  @Test
  void modelsMayCarryPricesAndAContextWindow() {
    ProviderConfig p = provider("""
        providers:
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            models:
              - claude-haiku-4-5
              - {name: claude-sonnet-4-5, input_price: 3, output_price: 15, cached_input_price: 0.3, context_window: 200000}
              - {name: "claude-*", context_window: 100000}
        """);

    assertThat(p.models()).containsExactly("claude-haiku-4-5", "claude-sonnet-4-5", "claude-*");
    assertThat(p.modelInfo("claude-sonnet-4-5")).isEqualTo(new ModelInfo("claude-sonnet-4-5", 3.0, 15.0, 0.3, 200_000L));
    // a pattern entry describes the models it matches; an exact entry wins over it
    assertThat(p.modelInfo("claude-haiku-4-5")).isEqualTo(new ModelInfo("claude-*", null, null, null, 100_000L));
    assertThat(p.modelInfo("gpt-4o")).isNull();

    List<String> problems = problems("""
        providers:
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            models:
              - {input_price: -1, context_window: lots, colour: red}
              - [nested]
        """);
    assertThat(problems).anySatisfy(p2 -> assertThat(p2).startsWith("providers.anth.models[0].name:"));
    assertThat(problems).anySatisfy(p2 -> assertThat(p2).startsWith("providers.anth.models[0].input_price:"));
    assertThat(problems).anySatisfy(p2 -> assertThat(p2).startsWith("providers.anth.models[0].context_window:"));
    assertThat(problems).anySatisfy(p2 -> assertThat(p2).isEqualTo("providers.anth.models[0].colour: unknown field"));
    assertThat(problems).anySatisfy(p2 -> assertThat(p2).startsWith("providers.anth.models[1]:"));
  }

  @Test
  void theShippedConfigSpeaksAnthropicAndGeminiNatively() throws Exception {
    SwitchboardConfig c = ConfigLoader.fromYaml(Files.readString(Path.of("conf/switchboard.yaml")),
        Map.of("ANTHROPIC_API_KEY", "sk-ant-test", "GEMINI_API_KEY", "AIza-test"));

    ProviderConfig anthropic = c.providers().get("anthropic");
    assertThat(anthropic.type()).isEqualTo(ProviderType.ANTHROPIC);
    assertThat(anthropic.enabled()).isTrue();
    assertThat(anthropic.api().apiVersion()).isEqualTo("2023-06-01");
    assertThat(anthropic.basePath()).isEqualTo("/v1");
    ProviderConfig gemini = c.providers().get("gemini");
    assertThat(gemini.type()).isEqualTo(ProviderType.GEMINI);
    assertThat(gemini.enabled()).isTrue();
    assertThat(gemini.basePath()).isEqualTo("/v1beta");
  }

  @Test
  void theLaunchersYamlStoreReadsUnquotedVersionsTheSameWay(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf.yaml");
    Files.writeString(file, """
        providers:
          anth:
            type: anthropic
            base_url: https://api.anthropic.com/v1
            api_version: 2023-01-01
            headers: {anthropic-beta: 2024-10-22}
            models: [claude-x]
        """);
    Vertx vertx = Vertx.vertx();
    try {
      SwitchboardConfig c = ConfigLoader.load(vertx, file.toString(), Map.of()).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(c.providers().get("anth").api().apiVersion()).isEqualTo("2023-01-01");
      assertThat(c.providers().get("anth").headers()).containsEntry("anthropic-beta", "2024-10-22");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void responsesIsOnForOpenAiItselfOffForOtherCompatibleApisAndRefusedWhereItCannotApply() {
    assertThat(provider("""
        providers:
          openai: {base_url: https://api.openai.com/v1, api_key: k, models: [gpt-4.1]}
        """).api().responses()).as("OpenAI itself serves the Responses API").isTrue();
    assertThat(provider("""
        providers:
          openai: {base_url: https://api.openai.com/v1, api_key: k, models: [gpt-4.1], responses: false}
        """).api().responses()).isFalse();
    assertThat(provider("""
        providers:
          groq: {base_url: https://api.groq.com/openai/v1, api_key: k, models: [m]}
        """).api().responses()).as("another compatible API says so itself").isFalse();
    assertThat(provider("""
        providers:
          vllm: {base_url: http://127.0.0.1:9/v1, models: [m], responses: true}
        """).api().responses()).isTrue();
    assertThat(provider("""
        providers:
          az: {type: azure, base_url: https://res.openai.azure.com, api_key: k, models: [m]}
        """).api().responses()).isFalse();
    assertThat(provider("""
        providers:
          az: {type: azure, base_url: https://res.openai.azure.com, api_key: k, models: [m], responses: true}
        """).api().responses()).isTrue();
    assertThat(problems("""
        providers:
          anth: {type: anthropic, base_url: https://api.anthropic.com/v1, models: [c], responses: true}
        """)).anySatisfy(p -> assertThat(p).contains("providers.anth.responses").contains("only for openai and azure"));
  }
}
