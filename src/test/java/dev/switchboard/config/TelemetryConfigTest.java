package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The telemetry section, its OpenTelemetry environment fallbacks, and the providers' forward_headers lists. */
class TelemetryConfigTest {
  private static final String MINIMAL = """
      providers:
        up:
          type: openai
          base_url: http://127.0.0.1:9/v1
          api_key: sk-minimal-key
          models: [m1]
      """;

  private static List<String> problems(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.fromYaml(yaml, Map.of()));
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.problems();
  }

  @Test
  void tracingIsOffByDefaultAndOnWithTheStandardVariables() {
    TelemetryConfig off = ConfigLoader.fromYaml(MINIMAL, Map.of()).telemetry();
    assertThat(off.tracing()).isFalse();
    assertThat(off.samplingRatio()).isEqualTo(1.0);
    assertThat(off.parentBased()).isTrue();
    assertThat(off.endUserHeader()).isEqualTo("x-switchboard-user");

    TelemetryConfig env = ConfigLoader.fromYaml(MINIMAL, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://collector:4318/", "OTEL_SERVICE_NAME", "edge-gw")).telemetry();
    assertThat(env.otlpEndpoint()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(env.serviceName()).isEqualTo("edge-gw");

    TelemetryConfig set = ConfigLoader.fromYaml("telemetry: {otlp: {endpoint: \"https://otel.example/v1/traces\"}, "
        + "sampling: {ratio: 0.01, parent_based: false}, export_delay: 2s, end_user_header: X-End-User}\n" + MINIMAL,
        Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318")).telemetry();
    assertThat(set.otlpEndpoint()).as("config wins over the variable").isEqualTo("https://otel.example/v1/traces");
    assertThat(set.samplingRatio()).isEqualTo(0.01);
    assertThat(set.parentBased()).isFalse();
    assertThat(set.exportDelay()).hasSeconds(2);
    assertThat(set.endUserHeader()).isEqualTo("x-end-user");
  }

  @Test
  void badTelemetryValuesNameTheirField() {
    assertThat(problems("telemetry: {otlp: {endpoint: \"collector:4318\"}}\n" + MINIMAL))
        .anyMatch(p -> p.startsWith("telemetry.otlp.endpoint:"));
    assertThat(problems("telemetry: {sampling: {ratio: 2}}\n" + MINIMAL))
        .anyMatch(p -> p.startsWith("telemetry.sampling.ratio:"));
    assertThat(problems("telemetry: {sampling: {rate: 0.5}}\n" + MINIMAL))
        .anyMatch(p -> p.startsWith("telemetry.sampling.rate:"));
    assertThat(problems("telemetry: {end_user_header: \"x user\"}\n" + MINIMAL))
        .anyMatch(p -> p.startsWith("telemetry.end_user_header:"));
  }

  @Test
  void forwardHeadersRefusesHopByHopAndCredentialHeaders() {
    String provider = MINIMAL + "    forward_headers: [%s]\n";
    ProviderConfig ok = ConfigLoader.fromYaml(provider.formatted("OpenAI-Organization, x-team"), Map.of())
        .providers().get("up");
    assertThat(ok.forwardHeaders()).containsExactly("openai-organization", "x-team");
    assertThat(ConfigLoader.fromYaml(MINIMAL, Map.of()).providers().get("up").forwardHeaders()).isEmpty();
    for (String refused : List.of("Authorization", "connection", "Transfer-Encoding", "x-api-key", "Cookie",
        "proxy-authorization", "x-switchboard-provider", "host")) {
      assertThat(problems(provider.formatted(refused)))
          .as(refused).anyMatch(p -> p.startsWith("providers.up.forward_headers[0]:") && p.contains("never forwarded"));
    }
  }
}
