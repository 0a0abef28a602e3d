package dev.switchboard.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real launcher in its own JVM, stopped by SIGTERM: the drain's log lines, logged from the shutdown hook through
 * the JUL bridge, still reach Logback's JSON output before it is stopped.
 */
class ShutdownLoggingTest {
  @TempDir
  Path dir;

  @Test
  void sigtermDrainIsLoggedAsJsonLinesBeforeLogbackStops() throws Exception {
    Path config = dir.resolve("switchboard.yaml");
    Path out = dir.resolve("out.log");
    Files.writeString(config, """
        server: {host: 127.0.0.1, port: 0, drain_delay: 0s, shutdown_grace: 1s}
        usage: {persist: false}
        health: {enabled: false}
        logging: {format: json}
        providers:
          local: {type: local, models: [echo]}
        """);
    Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.switchboard.Switchboard", "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(out).contains("Switchboard listening"));
      gateway.destroy(); // SIGTERM
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      gateway.destroyForcibly();
    }

    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("{").contains("\"message\":\"shutdown requested"));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("{").contains("\"message\":\"shutdown complete\""));
  }
}
