package dev.switchboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

  @Test
  void aConfigPathIsTakenFromEitherSpelling() {
    assertThat(Cli.parse(new String[] {"-c", "conf/a.yaml"})).isEqualTo(new Cli("conf/a.yaml", false, null, null));
    assertThat(Cli.parse(new String[] {"--config", "b.yaml"}).configPath()).isEqualTo("b.yaml");
  }

  @Test
  void theDemoTakesAPortAndAHost() {
    assertThat(Cli.parse(new String[] {"--demo", "--port", "9090", "--host", "0.0.0.0"}))
        .isEqualTo(new Cli(null, true, "9090", "0.0.0.0"));
  }

  @Test
  void noArgumentsMeanTheDefaultConfig() {
    assertThat(Cli.parse(new String[0])).isEqualTo(new Cli(null, false, null, null));
  }
}
