package dev.switchboard;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigChoiceTest {

  @Test
  void withNoConfFileInTheWorkingDirectoryTheBuiltInConfigIsUsed(@TempDir Path elsewhere) throws Exception {
    ConfigChoice choice = ConfigChoice.choose(null, Map.of(), elsewhere);

    assertThat(choice.builtIn()).isTrue();
    assertThat(choice.described()).contains("built-in default config", "-c path", "SWITCHBOARD_CONFIG");
    assertThat(ConfigChoice.builtInYaml()).as("the jar carries the shipped file as it is")
        .isEqualTo(Files.readString(Path.of("conf/switchboard.yaml"), StandardCharsets.UTF_8));
    SwitchboardConfig config = ConfigLoader.fromYaml(ConfigChoice.builtInYaml(), Map.of(), choice.source());
    assertThat(config.models()).containsKeys("fast", "smart");
  }

  @Test
  void confFileInTheWorkingDirectoryWinsOverTheBuiltInOne(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/switchboard.yaml"), "providers: {local: {type: local}}\n");

    ConfigChoice choice = ConfigChoice.choose(null, Map.of(), dir);

    assertThat(choice.builtIn()).isFalse();
    assertThat(choice.file()).isEqualTo(dir.resolve("conf/switchboard.yaml"));
  }

  @Test
  void aNamedConfigWinsAndIsNeverReplacedByTheBuiltInOne(@TempDir Path dir) {
    ConfigChoice fromEnv = ConfigChoice.choose(null, Map.of("SWITCHBOARD_CONFIG", "missing.yaml"), dir);
    assertThat(fromEnv.builtIn()).as("a missing named file is an error at load, not a silent fallback").isFalse();
    assertThat(fromEnv.file()).isEqualTo(dir.resolve("missing.yaml"));
    assertThat(fromEnv.described()).contains("SWITCHBOARD_CONFIG");

    ConfigChoice fromFlag = ConfigChoice.choose("/etc/sb.yaml", Map.of("SWITCHBOARD_CONFIG", "missing.yaml"), dir);
    assertThat(fromFlag.file()).isEqualTo(Path.of("/etc/sb.yaml"));
    assertThat(fromFlag.described()).contains("-c");
  }
}
