package dev.switchboard;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/** The two reload triggers without the admin API: SIGHUP (as {@code kill -HUP} sends it) and {@code config.watch}. */
class SighupReloadTest {
  private static TestConfig config(Path dir, FakeProvider a, String watch) {
    return TestConfig.empty().server().section("health", "{enabled: false}")
        .section("usage", "{persist: false, data_dir: \"" + dir + "\"}")
        .section("config", watch)
        .provider("a", a, "sk-sighup-a-0000", "m");
  }

  @Test
  void sighupReloadsTheConfigFile() throws Exception {
    Path dir = GatewayUnderTest.freshDirectory();
    Path file = dir.resolve("switchboard.yaml");
    try (FakeProvider a = new FakeProvider()) {
      a.chatJson("from a");
      Files.writeString(file, config(dir, a, "{watch: false}").yaml());
      try (GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of())) {
        // A JVM started with SIGHUP ignored (a run under nohup: every child inherits it) cannot catch it at all: the
        // JVM installs no handler, raise() does nothing, and waiting for the reload could only time out.
        assumeTrue(ReloadTriggers.onSighup(gateway.switchboard().reloads()),
            "SIGHUP is ignored by this JVM (inherited, e.g. from nohup): it cannot be delivered here");
        Files.writeString(file, config(dir, a, "{watch: false}").model("chat", "a/m").yaml());

        sun.misc.Signal.raise(new sun.misc.Signal("HUP"));

        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.chat(Requests.chat("chat", "hi")).statusCode() == 200);
      }
    }
  }

  @Test
  void aWatchedFileIsReloadedWhenItChanges() throws Exception {
    Path dir = GatewayUnderTest.freshDirectory();
    Path file = dir.resolve("switchboard.yaml");
    try (FakeProvider a = new FakeProvider()) {
      a.chatJson("from a");
      Files.writeString(file, config(dir, a, "{watch: true, watch_debounce: 100ms}").yaml());
      try (GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of())) {
        assertThat(gateway.chat(Requests.chat("chat", "hi")).statusCode()).isEqualTo(404);

        Files.writeString(file, config(dir, a, "{watch: true, watch_debounce: 100ms}").model("chat", "a/m").yaml());

        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.chat(Requests.chat("chat", "hi")).statusCode() == 200);
        assertThat(gateway.get("/metrics").body()).contains("switchboard_config_reloads_total{result=\"applied\"} 1.0");
      }
    }
  }
}
