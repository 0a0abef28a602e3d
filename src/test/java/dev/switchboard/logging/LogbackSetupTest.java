package dev.switchboard.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.switchboard.api.LogScope;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.SwitchboardConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Logback set-up built from the {@code logging} section, on a private {@link LoggerContext} writing to a file,
 * so the process-wide logging of the other tests is left alone.
 */
class LogbackSetupTest {
  private static final String PROVIDER_KEY = "fw_22charsProviderKey1";

  @TempDir
  Path dir;

  private SwitchboardConfig config(String logging) {
    return ConfigLoader.fromYaml("""
        auth:
          keys:
            - name: team-a
              key: client-key-0123456789
        providers:
          up:
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key: %s
            models: [m1]
        logging:
        %s
        """.formatted(PROVIDER_KEY, logging.indent(2)), Map.of());
  }

  /** Configures the private context from {@code logging}, runs {@code body}, stops it (flushes) and reads the file. */
  private List<String> linesLogged(String logging, java.util.function.Consumer<LoggerContext> body) throws Exception {
    Path file = dir.resolve("switchboard.log");
    SwitchboardConfig config = config(logging + "\nfile: " + file);
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
    LogbackSetup.configure(context, config.logging(), Secrets.of(config), false);
    body.accept(context);
    context.stop();
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  @Test
  void perLoggerLevelsFromConfigOverrideTheRootLevel() throws Exception {
    List<String> lines = linesLogged("""
        level: warn
        levels:
          dev.switchboard.routing: debug
          io.noisy: error
        """, ctx -> {
          ctx.getLogger("dev.switchboard.routing.FailoverChain").debug("routing debug shown");
          ctx.getLogger("dev.switchboard.cache.CacheStage").info("cache info hidden");
          ctx.getLogger("dev.switchboard.cache.CacheStage").warn("cache warn shown");
          ctx.getLogger("io.noisy.Thing").warn("noisy warn hidden");
        });

    assertThat(String.join("\n", lines)).contains("routing debug shown", "cache warn shown")
        .doesNotContain("cache info hidden", "noisy warn hidden");
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\d{4}-\\d\\d-\\d\\dT\\S+ DEBUG FailoverChain - routing debug shown"));
  }

  @Test
  void aReloadedLevelsSectionReplacesTheEarlierOneAndADroppedLoggerInheritsAgain() throws Exception {
    SwitchboardConfig reloaded = config("level: warn\nlevels:\n  io.other: debug");
    List<String> lines = linesLogged("""
        level: warn
        levels:
          dev.switchboard.routing: debug
        """, ctx -> {
          ctx.getLogger("dev.switchboard.routing.FailoverChain").debug("routing debug before the reload");
          LogbackSetup.applyLevels(ctx, reloaded.logging());
          ctx.getLogger("dev.switchboard.routing.FailoverChain").debug("routing debug after the reload");
          ctx.getLogger("dev.switchboard.routing.FailoverChain").warn("routing warn after the reload");
          ctx.getLogger("io.other.Thing").debug("other debug after the reload");
        });

    assertThat(String.join("\n", lines)).contains("routing debug before the reload", "routing warn after the reload",
        "other debug after the reload").doesNotContain("routing debug after the reload");
  }

  @Test
  void jsonFormatWritesOneObjectPerLineWithLevelLoggerMessageAndMdcFields() throws Exception {
    List<String> lines = linesLogged("format: json", ctx -> {
      try (var scope = LogScope.request("req-123", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")) {
        ctx.getLogger("dev.switchboard.server.GatewayVerticle").warn("upstream trouble");
      }
      ctx.getLogger("dev.switchboard.server.GatewayVerticle").warn("after the request");
      ctx.getLogger(ScrubbingEncoder.ACCESS_LOGGER).info("{\"type\":\"access\",\"request_id\":\"req-123\"}");
    });

    assertThat(lines).hasSize(3);
    JsonObject first = new JsonObject(lines.get(0));
    assertThat(first.getString("message")).isEqualTo("upstream trouble");
    assertThat(first.getString("level")).isEqualTo("WARN");
    assertThat(first.getString("logger_name")).isEqualTo("dev.switchboard.server.GatewayVerticle");
    assertThat(first.getString("@timestamp")).isNotBlank();
    assertThat(first.getString("thread_name")).isNotBlank();
    assertThat(first.getString("request_id")).isEqualTo("req-123");
    assertThat(first.getString("trace_id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(new JsonObject(lines.get(1)).containsKey("request_id")).as("the MDC is scoped to the call").isFalse();
    assertThat(new JsonObject(lines.get(2)).getMap()).as("access lines keep their own fields, unwrapped")
        .isEqualTo(Map.of("type", "access", "request_id", "req-123"));
  }

  @Test
  void textFormatAppendsTheRequestIdWhileInScope() throws Exception {
    List<String> lines = linesLogged("format: text", ctx -> {
      try (var scope = LogScope.request("req-9", null)) {
        ctx.getLogger("x.Y").info("inside");
      }
      ctx.getLogger("x.Y").info("outside");
    });

    assertThat(lines.get(0)).endsWith("INFO  Y - inside request_id=req-9");
    assertThat(lines.get(1)).endsWith("INFO  Y - outside");
  }

  @Test
  void secretsNeverReachALogLineInAnyFormat() throws Exception {
    for (String format : List.of("text", "json")) {
      List<String> lines = linesLogged("format: " + format, ctx -> {
        Logger log = ctx.getLogger("dev.switchboard.routing.Attempt");
        log.warn("provider said: invalid key " + PROVIDER_KEY + " for client-key-0123456789");
        log.warn("echoed header Authorization: Bearer unknown-token-abcdef123");
        log.warn("another account's key sk-proj-abcdefghij1234567890 leaked");
        log.error("failed", new IllegalStateException("key " + PROVIDER_KEY));
        ctx.getLogger(ScrubbingEncoder.ACCESS_LOGGER).info("{\"client\":\"" + PROVIDER_KEY + "\"}");
      });
      String all = String.join("\n", lines);
      assertThat(all).as(format).doesNotContain(PROVIDER_KEY, "client-key-0123456789", "unknown-token-abcdef123",
          "sk-proj-abcdefghij1234567890").contains("[redacted]", "IllegalStateException");
      Files.delete(dir.resolve("switchboard.log"));
    }
  }

  @Test
  void badLoggingValuesNameTheirFieldPath() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> config("""
        format: xml
        levels: {dev.switchboard: loud}
        file: {path: /tmp/x.log, max_size: 10mb, total_size: 1mb, max_histroy: 3}
        payloads: sometimes
        payloads_by_key: {team-a: sampled:0}
        payload_redact: ["messages[*]"]
        """));
    assertThat(e).isNotNull();
    assertThat(String.join("\n", e.problems())).contains("logging.format:", "logging.levels.dev.switchboard:",
        "logging.file.total_size:", "logging.file.max_histroy: unknown field", "logging.payloads:",
        "logging.payloads_by_key.team-a:", "logging.payload_redact[0]:");
  }
}
