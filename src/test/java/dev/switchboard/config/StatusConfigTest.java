package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code status} section: defaults, values, and bad values named by their field path. */
class StatusConfigTest {
  private static final String PROVIDERS = "providers:\n  local: {type: local, models: [m]}\n";

  @Test
  void defaultsAndValues() {
    assertThat(ConfigLoader.fromYaml(PROVIDERS, Map.of()).status()).isEqualTo(StatusConfig.DEFAULT);
    StatusConfig s = ConfigLoader.fromYaml("status: {public: false, stats_window: 15m, slow_factor: 3, "
        + "min_samples: 5}\n" + PROVIDERS, Map.of()).status();
    assertThat(s).isEqualTo(new StatusConfig(false, Duration.ofMinutes(15), 3.0, 5));
  }

  @Test
  void badValuesNameTheirField() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.fromYaml(
        "status: {stats_window: 10s, slow_factor: 1, min_samples: 0, publik: true}\n" + PROVIDERS, Map.of()));
    assertThat(e.getMessage()).contains("status.stats_window: must be between 1m and 7d")
        .contains("status.slow_factor").contains("status.min_samples")
        .contains("status.publik: unknown field (did you mean \"public\"?)");
  }
}
