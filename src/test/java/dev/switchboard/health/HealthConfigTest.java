package dev.switchboard.health;

import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.HealthConfig;
import dev.switchboard.config.ProbeConfig;
import dev.switchboard.config.SwitchboardConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The health section and each provider's probe settings: defaults, overrides, validation by field path. */
class HealthConfigTest {
  private static final String PROVIDERS = """
      providers:
        up:
          type: openai
          base_url: http://127.0.0.1:9/v1
          api_key: sk-health-config
          models: [m1]
      %s
        local:
          type: local
          models: [local-model]
      """;

  private static SwitchboardConfig load(String health, String probe) {
    return ConfigLoader.fromYaml(health + "\n" + PROVIDERS.formatted(probe), Map.of());
  }

  private static String problemAt(String health, String probe, String path) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(health, probe));
    assertThat(e).as("expected a ConfigException").isNotNull();
    List<String> hits = e.problems().stream().filter(p -> p.startsWith(path + ":")).toList();
    assertThat(hits).as("problems naming %s in %s", path, e.problems()).hasSize(1);
    return hits.get(0);
  }

  @Test
  void defaults() {
    SwitchboardConfig config = load("", "");

    HealthConfig h = config.health();
    assertThat(h).isEqualTo(HealthConfig.DEFAULT);
    assertThat(h.enabled()).isTrue();
    assertThat(h.interval()).hasSeconds(30);
    assertThat(h.downAfter()).isEqualTo(3);
    assertThat(h.recoverAfter()).isEqualTo(2);
    assertThat(h.staleAfter()).as("three intervals and two timeouts").hasSeconds(100);
    assertThat(h.readyRequires()).isEqualTo("any");
    assertThat(config.providers().get("up").probe()).isEqualTo(ProbeConfig.DEFAULT);
    assertThat(config.providers().get("local").probe().mode()).isEqualTo("none");
  }

  @Test
  void everySettingCanBeGiven() {
    SwitchboardConfig config = load("""
        health:
          enabled: false
          interval: 10s
          timeout: 2s
          jitter: 0.5
          down_interval: 1s
          down_after: 5
          recover_after: 4
          degraded_latency: 3s
          degraded_error_rate: 0.4
          stale_after: 1m
          ready_requires: every-model
        """, "    probe: {mode: completion, model: m1, interval: 45s}");

    assertThat(config.health()).isEqualTo(new HealthConfig(false, Duration.ofSeconds(10), Duration.ofSeconds(2),
        0.5, Duration.ofSeconds(1), 5, 4, Duration.ofSeconds(3), 0.4, Duration.ofMinutes(1), "every-model"));
    assertThat(config.providers().get("up").probe())
        .isEqualTo(new ProbeConfig("completion", "m1", Duration.ofSeconds(45)));
  }

  @Test
  void staleAfterFollowsTheConfiguredInterval() {
    HealthConfig h = load("health: {interval: 10s, timeout: 1s}", "").health();

    assertThat(h.staleAfter()).isEqualTo(Duration.ofSeconds(32));
  }

  @Test
  void probeModeIsReadCaseInsensitively() {
    assertThat(load("", "    probe: {mode: NONE}").providers().get("up").probe().mode()).isEqualTo("none");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "health.ready_requires | health: {ready_requires: all}                | every-model",
      "health.jitter         | health: {jitter: 0.95}                       | 0.9",
      "health.down_after     | health: {down_after: 0}                      | 1",
      "health.recover_after  | health: {recover_after: 101}                 | 100",
      "health.interval       | health: {interval: 0}                        | longer than 0",
      "health.timeout        | health: {timeout: 5}                         | with a unit",
      "health.down_interval  | health: {down_interval: 0}                   | longer than 0",
      "health.intervall      | health: {intervall: 5s}                      | unknown field",
  })
  void healthSettingsAreValidated(String path, String health, String mentions) {
    assertThat(problemAt(health, "", path)).contains(mentions);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "providers.up.probe.mode     | '    probe: {mode: ping}'          | models, completion, embeddings, images, speech, none",
      "providers.up.probe.body     | '    probe: {body: {a: 1}}'        | only for the completion, embeddings, images",
      "providers.up.probe.body     | '    probe: {mode: images, body: 5}' | must be a mapping",
      "providers.up.probe.interval | '    probe: {interval: 0}'         | longer than 0",
      "providers.up.probe.timeout  | '    probe: {timeout: 1s}'         | unknown field",
  })
  void probeSettingsAreValidated(String path, String probe, String mentions) {
    assertThat(problemAt("", probe, path)).contains(mentions);
  }
}
