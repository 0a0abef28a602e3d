package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {

  private static final String MINIMAL = """
      providers:
        up:
          type: openai
          base_url: http://127.0.0.1:9/v1
          api_key: sk-minimal-key
          models: [m1]
      """;

  private static ConfigException problemsOf(String yaml, Map<String, String> env) {
    return catchThrowableOfType(ConfigException.class, () -> ConfigLoader.fromYaml(yaml, env));
  }

  /** The single problem whose text starts with the given field path, failing if there is none. */
  private static String problemAt(ConfigException e, String path) {
    assertThat(e).as("expected a ConfigException").isNotNull();
    List<String> hits = e.problems().stream().filter(p -> p.startsWith(path + ":")).toList();
    assertThat(hits).as("problems naming %s in %s", path, e.problems()).isNotEmpty();
    assertThat(e.getMessage()).contains(path);
    return hits.get(0);
  }

  @Test
  void budgetReservationTtlHasADefaultAndIsValidated() {
    assertThat(ConfigLoader.fromYaml(MINIMAL, Map.of()).usage().reservationTtl()).hasMinutes(10);
    assertThat(ConfigLoader.fromYaml("usage: {reservation_ttl: 2m}\n" + MINIMAL, Map.of()).usage().reservationTtl())
        .hasMinutes(2);
    assertThat(problemAt(problemsOf("usage: {reservation_ttl: 0s}\n" + MINIMAL, Map.of()), "usage.reservation_ttl"))
        .contains("longer than 0");
  }

  @Test
  void transportAndDrainDelayAreValidated() {
    var ok = ConfigLoader.fromYaml("server: {transport: NIO, drain_delay: 5s}\n" + MINIMAL, Map.of());
    assertThat(ok.server().transport()).isEqualTo("nio");
    assertThat(ok.server().drainDelay()).hasSeconds(5);
    assertThat(ConfigLoader.fromYaml(MINIMAL, Map.of()).server().transport()).isEqualTo("auto");
    assertThat(problemAt(problemsOf("server: {transport: carrier-pigeon}\n" + MINIMAL, Map.of()), "server.transport"))
        .contains("auto, epoll, io_uring, nio");
  }

  @Test
  void edgeDeadlinesAndConnectionCapsHaveDefaultsAndAreValidated() {
    var defaults = ConfigLoader.fromYaml(MINIMAL, Map.of()).server();
    assertThat(defaults.headerTimeout()).hasSeconds(10);
    assertThat(defaults.bodyTimeout()).hasSeconds(60);
    assertThat(defaults.maxConnections()).isEqualTo(10_000);
    assertThat(defaults.maxConnectionsPerClient()).isEqualTo(256);
    var set = ConfigLoader.fromYaml("server: {header_timeout: 300ms, body_timeout: 2s, max_connections: 50, "
        + "max_connections_per_client: 5}\n" + MINIMAL, Map.of()).server();
    assertThat(set.headerTimeout()).hasMillis(300);
    assertThat(set.maxConnectionsPerClient()).isEqualTo(5);
    ConfigException e = problemsOf("server: {header_timeout: 0, body_timeout: 0, max_connections: 0, "
        + "max_connections_per_client: -1}\n" + MINIMAL, Map.of());
    assertThat(problemAt(e, "server.header_timeout")).contains("longer than 0");
    problemAt(e, "server.body_timeout");
    problemAt(e, "server.max_connections");
    problemAt(e, "server.max_connections_per_client");
  }

  // ---- interpolation ---------------------------------------------------------------------------------------------

  @Test
  void routingDefaultsAndOverrides() {
    SwitchboardConfig d = ConfigLoader.fromYaml(MINIMAL, Map.of());
    assertThat(d.routing()).isEqualTo(RoutingConfig.DEFAULT);
    SwitchboardConfig c = ConfigLoader.fromYaml("""
        routing:
          strategy: least-latency
          max_attempts: 6
          request_timeout: 90s
          retry: {per_provider: 2, backoff_base: 50ms, backoff_max: 1s, max_retry_after: 3s}
          circuit_breaker: {failure_threshold: 4, error_rate: 0.3, min_requests: 8, open_for: 10s, max_open_for: 1m, half_open_requests: 2}
          weights: {latency: 1, errors: 1, quality: 0, cost: 0, load: 0, headroom: 0}
        providers:
          up:
            base_url: http://127.0.0.1:9/v1
            models:
              - {name: m, input_price: 2.5, output_price: 10}
              - {name: "m-*", input_price: 1, output_price: 2, cached_input_price: 0.5}
            quality: 0.8
            weight: 2.5
        models:
          fast:
            strategy: round_robin
            weights: {latency: 2}
            targets:
              - {provider: up, model: m, weight: 4, quality: 0.3, context_window: 128000}
        """, Map.of());
    RoutingConfig r = c.routing();
    assertThat(r.strategy()).isEqualTo(RoutingStrategy.LEAST_LATENCY);
    assertThat(r.maxAttempts()).isEqualTo(6);
    assertThat(r.retry().perProvider()).isEqualTo(2);
    assertThat(r.circuit().halfOpenRequests()).isEqualTo(2);
    assertThat(r.weights().quality()).isZero();
    ProviderConfig up = c.providers().get("up");
    assertThat(up.quality()).isEqualTo(0.8);
    assertThat(up.price("m").output()).isEqualTo(10);
    assertThat(up.price("m").cachedInput()).as("defaults to the input price").isEqualTo(2.5);
    assertThat(up.price("m-mini").cachedInput()).isEqualTo(0.5);
    assertThat(up.price("other")).isNull();
    ModelConfig fast = c.models().get("fast");
    assertThat(fast.strategy()).isEqualTo(RoutingStrategy.ROUND_ROBIN);
    assertThat(fast.weights().latency()).isEqualTo(2);
    assertThat(fast.targets().get(0)).isEqualTo(new TargetRef("up", "m", 4.0, 0.3, 128000));
  }

  @Test
  void badRoutingValuesNameTheirField() {
    ConfigException e = problemsOf("""
        routing:
          strategy: fastest
          max_attempts: 0
          retry: {backoff_base: 2s, backoff_max: 1s, jitter: true}
          circuit_breaker: {error_rate: 2}
          weights: {latency: 0, errors: 0, quality: 0, cost: 0, load: 0, headroom: 0}
        providers:
          up:
            base_url: http://127.0.0.1:9/v1
            quality: 1.5
        models:
          x:
            strategy: nope
            targets: [{provider: up, weight: -2}]
        """, Map.of());
    assertThat(problemAt(e, "routing.strategy")).contains("least-latency");
    problemAt(e, "routing.max_attempts");
    problemAt(e, "routing.retry.backoff_max");
    problemAt(e, "routing.retry.jitter");
    problemAt(e, "routing.circuit_breaker.error_rate");
    problemAt(e, "routing.weights");
    problemAt(e, "providers.up.quality");
    problemAt(e, "models.x.strategy");
    problemAt(e, "models.x.targets[0].weight");
  }

  @Test
  void interpolatesVariablesDefaultsAndEscapes() {
    SwitchboardConfig c = ConfigLoader.fromYaml("""
        server:
          host: ${HOST:-127.0.0.9}
          port: ${PORT}
          max_body_size: ${BODY:-3kb}
        providers:
          up:
            type: openai
            base_url: ${UP_URL}/v1
            api_key: ${UP_KEY:-fallback-key}
            models: ["${MODEL_A}", plain]
            headers:
              X-Literal: "$${NOT_A_VAR} and $${X:-y}"
              X-Mixed: "pre-${MODEL_A}-post"
        """, Map.of("PORT", "4321", "UP_URL", "http://10.1.2.3:81", "MODEL_A", "gpt-x", "BODY", ""));

    assertThat(c.server().host()).isEqualTo("127.0.0.9");
    assertThat(c.server().port()).isEqualTo(4321);
    assertThat(c.server().maxBodyBytes()).as("empty var takes the default").isEqualTo(3 * 1024);
    ProviderConfig up = c.providers().get("up");
    assertThat(up.baseUrl()).hasToString("http://10.1.2.3:81/v1");
    assertThat(up.host()).isEqualTo("10.1.2.3");
    assertThat(up.port()).isEqualTo(81);
    assertThat(up.basePath()).isEqualTo("/v1");
    assertThat(up.apiKey().reveal()).isEqualTo("fallback-key");
    assertThat(up.models()).containsExactly("gpt-x", "plain");
    assertThat(up.headers()).containsEntry("X-Literal", "${NOT_A_VAR} and ${X:-y}")
        .containsEntry("X-Mixed", "pre-gpt-x-post");
  }

  @Test
  void setVariableWinsOverDefault() {
    SwitchboardConfig c = ConfigLoader.fromYaml(MINIMAL.replace("sk-minimal-key", "${UP_KEY:-fallback}"),
        Map.of("UP_KEY", "sk-from-env"));
    assertThat(c.providers().get("up").apiKey().reveal()).isEqualTo("sk-from-env");
  }

  @Test
  void missingRequiredVariableNamesFieldAndVariable() {
    ConfigException e = problemsOf(MINIMAL.replace("sk-minimal-key", "${UP_SECRET_KEY}"), Map.of());
    String p = problemAt(e, "providers.up.api_key");
    assertThat(p).contains("UP_SECRET_KEY");
  }

  @Test
  void unterminatedReferenceIsAProblem() {
    ConfigException e = problemsOf(MINIMAL.replace("sk-minimal-key", "\"${UP_KEY\""), Map.of("UP_KEY", "x"));
    problemAt(e, "providers.up.api_key");
  }

  // ---- validation with field paths -------------------------------------------------------------------------------

  @Test
  void unknownFieldIsRejectedWithItsPath() {
    ConfigException e = problemsOf("""
        providers:
          openai:
            type: openai
            base_ur: https://api.openai.com/v1
            models: [gpt-4o]
        """, Map.of());
    assertThat(problemAt(e, "providers.openai.base_ur")).contains("unknown field");
    assertThat(problemAt(e, "providers.openai.base_url")).contains("required");
  }

  @Test
  void unknownFieldSuggestsTheNearestKnownOne() {
    ConfigException e = problemsOf("""
        server:
          prot: 8080
        providers:
          openai:
            type: openai
            base_ur: https://api.openai.com/v1
            api-key: sk-something-long
            modles: [gpt-4o]
            zzz: 1
        """, Map.of());
    assertThat(problemAt(e, "server.prot")).contains("did you mean \"port\"?");
    assertThat(problemAt(e, "providers.openai.base_ur")).contains("did you mean \"base_url\"?");
    assertThat(problemAt(e, "providers.openai.api-key")).contains("did you mean \"api_key\"?");
    assertThat(problemAt(e, "providers.openai.modles")).contains("did you mean \"models\"?");
    assertThat(problemAt(e, "providers.openai.zzz")).as("nothing is close: no guess").contains("unknown field")
        .doesNotContain("did you mean");
  }

  @Test
  void baseUrlWithoutSchemeSuggestsHttp() {
    ConfigException e = problemsOf("""
        providers:
          ollama:
            base_url: localhost:11434/v1
            models: [llama3]
          vllm:
            base_url: gpu-box.internal/v1
            models: [qwen]
        """, Map.of());
    assertThat(problemAt(e, "providers.ollama.base_url")).contains("did you mean \"http://localhost:11434/v1\"?");
    assertThat(problemAt(e, "providers.vllm.base_url")).contains("did you mean \"http://gpu-box.internal/v1\"?");
  }

  @Test
  void yamlSyntaxErrorNamesTheFileAndLine(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("broken.yaml");
    Files.writeString(conf, "server:\n  port: 8080\n   host: x\n");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      Throwable err = catchThrowableOfType(java.util.concurrent.ExecutionException.class, () -> ConfigLoader
          .load(vertx, conf.toString(), Map.of()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
          .getCause();
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).contains(conf + ": not valid YAML", "in " + conf + ", line 3")
          .doesNotContain("'string'");
    } finally {
      vertx.close();
    }
    assertThatThrownBy(() -> ConfigLoader.fromYaml("a:\n  b: 1\n   c: 2\n", Map.of(), "built-in switchboard.yaml"))
        .hasMessageContaining("built-in switchboard.yaml: not valid YAML")
        .hasMessageContaining("in built-in switchboard.yaml, line 3");
  }

  @Test
  void unknownTopLevelAndNestedFieldsAreRejected() {
    ConfigException e = problemsOf(MINIMAL + """
        servr: {port: 1}
        logging: {acess_log: true}
        """, Map.of());
    problemAt(e, "servr");
    problemAt(e, "logging.acess_log");
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("duration without unit", MINIMAL + "    timeouts: {connect: 5}\n", "providers.up.timeouts.connect"),
        Arguments.of("duration nonsense", MINIMAL + "    timeouts: {idle: soon}\n", "providers.up.timeouts.idle"),
        Arguments.of("zero total timeout", MINIMAL + "    timeouts: {total: 0}\n", "providers.up.timeouts.total"),
        Arguments.of("shutdown grace", "server: {shutdown_grace: 30x}\n" + MINIMAL, "server.shutdown_grace"),
        Arguments.of("size unit", "server: {max_body_size: 10zb}\n" + MINIMAL, "server.max_body_size"),
        Arguments.of("size too small", "server: {max_body_size: 10}\n" + MINIMAL, "server.max_body_size"),
        Arguments.of("port too big", "server: {port: 70000}\n" + MINIMAL, "server.port"),
        Arguments.of("port not a number", "server: {port: eighty}\n" + MINIMAL, "server.port"),
        Arguments.of("provider type", MINIMAL.replace("type: openai", "type: grpc"), "providers.up.type"),
        Arguments.of("base_url scheme", MINIMAL.replace("http://127.0.0.1:9/v1", "ftp://files.example/v1"),
            "providers.up.base_url"),
        Arguments.of("base_url relative", MINIMAL.replace("http://127.0.0.1:9/v1", "/v1"), "providers.up.base_url"),
        Arguments.of("base_url with query", MINIMAL.replace("http://127.0.0.1:9/v1", "http://h/v1?x=1"),
            "providers.up.base_url"),
        Arguments.of("enabled value", MINIMAL + "    enabled: sometimes\n", "providers.up.enabled"),
        Arguments.of("unknown target provider", MINIMAL + """
            models:
              fast:
                targets:
                  - {provider: up, model: m1}
                  - {provider: nosuch, model: m2}
            """, "models.fast.targets[1].provider"),
        Arguments.of("alias without targets", MINIMAL + "models:\n  empty: {targets: []}\n", "models.empty.targets"),
        Arguments.of("logging level", MINIMAL + "logging: {level: loud}\n", "logging.level"),
        Arguments.of("short client key", MINIMAL + "auth: {keys: [{name: a, key: short}]}\n", "auth.keys[0]"),
        Arguments.of("forbidden header", MINIMAL + "    headers: {Authorization: x}\n",
            "providers.up.headers.Authorization"),
        Arguments.of("bad model pattern", MINIMAL.replace("[m1]", "[\"a*b\"]"), "providers.up.models[0]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void badValueNamesItsPath(String what, String yaml, String path) {
    problemAt(problemsOf(yaml, Map.of()), path);
  }

  @Test
  void reportsEveryProblemAtOnce() {
    ConfigException e = problemsOf("""
        server:
          port: 99999
          max_body_size: huge
          shutdown_grace: 5
        providers:
          a:
            type: carrier-pigeon
            base_url: http://a/v1
            models: [x]
          b:
            type: openai
            base_url: not a url
            models: [y]
            timeouts: {connect: fast}
            colour: blue
        models:
          alias:
            targets: [{provider: c, model: z}]
        """, Map.of());
    assertThat(e.problems()).hasSizeGreaterThanOrEqualTo(8);
    for (String path : List.of("server.port", "server.max_body_size", "server.shutdown_grace", "providers.a.type",
        "providers.b.base_url", "providers.b.timeouts.connect", "providers.b.colour", "models.alias.targets[0].provider")) {
      problemAt(e, path);
    }
  }

  @Test
  void emptyOrNonMappingDocumentIsRejected() {
    assertThat(problemAt(problemsOf("", Map.of()), "providers")).contains("at least one provider");
    assertThatThrownBy(() -> ConfigLoader.fromYaml("- a\n- b\n", Map.of())).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ConfigLoader.fromYaml("providers: {a: [\n", Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("YAML");
  }

  @Test
  void nonStringKeysAreReadAsTextLikeTheFileLoaderDoes() {
    // vertx-config's YAML store (the launcher's path) turns every mapping key into its text; YAML itself reads
    // `1:` or `3.5:` as numbers. fromYaml must agree rather than fail with a ClassCastException.
    SwitchboardConfig c = ConfigLoader.fromYaml(MINIMAL + """
            headers: {1: one}
        models:
          3.5:
            targets: [{provider: up, model: m1}]
          1:
            targets: [{provider: up, model: m1}]
        """, Map.of());
    assertThat(c.models()).containsOnlyKeys("3.5", "1");
    assertThat(c.providers().get("up").headers()).containsEntry("1", "one");
  }

  // ---- enabled: auto ---------------------------------------------------------------------------------------------

  @Test
  void autoEnableDependsOnTheKey() {
    SwitchboardConfig c = ConfigLoader.fromYaml("""
        providers:
          keyless:
            base_url: http://127.0.0.1:11434/v1
            models: [llama3]
          emptykey:
            base_url: http://127.0.0.1:9/v1
            api_key: ${EMPTY_PROVIDER_KEY:-}
            enabled: auto
            models: [e1]
          blankkey:
            base_url: http://127.0.0.1:9/v1
            api_key: ${BLANK_PROVIDER_KEY}
            models: [b1]
          withkey:
            base_url: http://127.0.0.1:9/v1
            api_key: ${PRESENT_PROVIDER_KEY}
            models: [w1]
          forced:
            base_url: http://127.0.0.1:9/v1
            api_key: ${EMPTY_PROVIDER_KEY:-}
            enabled: true
            models: [f1]
          switched-off:
            base_url: http://127.0.0.1:9/v1
            api_key: sk-some-key
            enabled: false
            models: [o1]
        """, Map.of("BLANK_PROVIDER_KEY", "   ", "PRESENT_PROVIDER_KEY", "sk-present"));

    Map<String, ProviderConfig> p = c.providers();
    assertThat(p.get("keyless").enabled()).as("no api_key field: needs none").isTrue();
    assertThat(p.get("keyless").disabledReason()).isNull();
    assertThat(p.get("emptykey").enabled()).isFalse();
    assertThat(p.get("emptykey").disabledReason()).contains("EMPTY_PROVIDER_KEY");
    assertThat(p.get("blankkey").enabled()).isFalse();
    assertThat(p.get("blankkey").disabledReason()).contains("BLANK_PROVIDER_KEY");
    assertThat(p.get("withkey").enabled()).isTrue();
    assertThat(p.get("withkey").apiKey().reveal()).isEqualTo("sk-present");
    assertThat(p.get("forced").enabled()).isTrue();
    assertThat(p.get("switched-off").enabled()).isFalse();
    assertThat(p.get("switched-off").disabledReason()).isNotBlank();
  }

  // ---- the shipped configuration ---------------------------------------------------------------------------------

  private static String shippedYaml() throws Exception {
    return Files.readString(Path.of("conf/switchboard.yaml"), StandardCharsets.UTF_8);
  }

  @Test
  void shippedConfigLoadsWithEmptyEnvironmentWithOnlyLocalEnabled() throws Exception {
    SwitchboardConfig c = ConfigLoader.fromYaml(shippedYaml(), Map.of());

    assertThat(c.server().host()).as("open: loopback only").isEqualTo("127.0.0.1");
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.server().maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
    assertThat(c.server().shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.auth().open()).isTrue();
    assertThat(c.auth().adminKey().isPresent()).isFalse();
    assertThat(c.providers().keySet()).contains("openai", "anthropic", "gemini", "openrouter", "groq", "local");
    assertThat(c.providers().values().stream().filter(ProviderConfig::enabled).map(ProviderConfig::id))
        .containsExactly("local");
    assertThat(c.providers().get("local").fallback()).isTrue();
    assertThat(c.providers().get("openai").disabledReason()).contains("OPENAI_API_KEY");
    assertThat(c.providers().get("groq").disabledReason()).contains("GROQ_API_KEY");
    assertThat(c.providers().get("openai").baseUrl()).hasToString("https://api.openai.com/v1");
    assertThat(c.models()).containsKeys("fast", "smart");
  }

  @Test
  void shippedConfigEnablesOpenAiWhenItsKeyIsSet() throws Exception {
    SwitchboardConfig c = ConfigLoader.fromYaml(shippedYaml(), Map.of("OPENAI_API_KEY", "sk-test-123",
        "OPENAI_BASE_URL", "http://127.0.0.1:1234/v1", "SWITCHBOARD_PORT", "9090", "SWITCHBOARD_API_KEY", "client-key-1"));

    assertThat(c.providers().values().stream().filter(ProviderConfig::enabled).map(ProviderConfig::id)
        .collect(Collectors.toList())).containsExactlyInAnyOrder("openai", "local");
    ProviderConfig openai = c.providers().get("openai");
    assertThat(openai.apiKey().reveal()).isEqualTo("sk-test-123");
    assertThat(openai.baseUrl()).hasToString("http://127.0.0.1:1234/v1");
    assertThat(openai.ssl()).isFalse();
    assertThat(openai.timeouts().firstByte()).isEqualTo(Duration.ofSeconds(300));
    assertThat(c.server().port()).isEqualTo(9090);
    assertThat(c.auth().open()).isFalse();
    assertThat(c.auth().keys()).singleElement().satisfies(k -> assertThat(k.name()).isEqualTo("default"));
  }

  @Test
  void anOpenGatewayListensOnLoopbackUnlessTheOperatorOptsIn() throws Exception {
    assertThat(ConfigLoader.fromYaml(shippedYaml(), Map.of()).server().host())
        .as("no client key, allow_open unset").isEqualTo("127.0.0.1");
    assertThat(ConfigLoader.fromYaml(shippedYaml(), Map.of("SWITCHBOARD_HOST", "192.0.2.7")).server().host())
        .as("an explicit host does not open it either").isEqualTo("127.0.0.1");
    assertThat(ConfigLoader.fromYaml(shippedYaml(), Map.of("SWITCHBOARD_API_KEY", "sb-client-key-1")).server().host())
        .as("a client key").isEqualTo("0.0.0.0");
    SwitchboardConfig allowed = ConfigLoader.fromYaml(shippedYaml(), Map.of("SWITCHBOARD_ALLOW_OPEN", "true"));
    assertThat(allowed.server().host()).as("allow_open").isEqualTo("0.0.0.0");
    assertThat(allowed.auth().open()).isTrue();
    assertThat(ConfigLoader.fromYaml(shippedYaml(), Map.of("SWITCHBOARD_HOST", "::1")).server().host())
        .as("loopback stays as configured").isEqualTo("::1");
    assertThat(ConfigLoader.fromYaml(shippedYaml(), Map.of("SWITCHBOARD_HOST", "localhost")).server().host())
        .isEqualTo("localhost");
  }

  @Test
  void metricsSettingsAreValidated() {
    SwitchboardConfig c = ConfigLoader.fromYaml(MINIMAL, Map.of());
    assertThat(c.metrics()).isEqualTo(new MetricsConfig(0, "auto"));
    ConfigException e = problemsOf(MINIMAL + "server: {port: 8080}\nmetrics: {port: 8080, auth: open}\n", Map.of());
    assertThat(problemAt(e, "metrics.port")).contains("must differ from server.port");
    assertThat(problemAt(e, "metrics.auth")).contains("auto, admin_key, none");
  }

  // ---- secrets ---------------------------------------------------------------------------------------------------

  @Test
  void secretsNeverAppearInToString() {
    SwitchboardConfig c = ConfigLoader.fromYaml("""
        auth:
          keys:
            - {name: team-a, key: sb-client-secret-aaaa}
            - sb-client-secret-bbbb
          admin_key: ${ADMIN}
        providers:
          up:
            base_url: http://127.0.0.1:9/v1
            api_key: ${UP_KEY}
            models: [m1]
        """, Map.of("ADMIN", "admin-secret-cccc", "UP_KEY", "sk-provider-secret-dddd"));

    String text = c.toString() + c.providers() + c.auth() + c.providers().get("up") + c.auth().keys();
    assertThat(text).doesNotContain("sb-client-secret-aaaa", "sb-client-secret-bbbb", "admin-secret-cccc",
        "sk-provider-secret-dddd");
    assertThat(text).contains("team-a", "Secret[***]");
    // the values are still there for the code that needs them
    assertThat(c.auth().keys()).extracting(k -> k.key().reveal())
        .containsExactly("sb-client-secret-aaaa", "sb-client-secret-bbbb");
    assertThat(c.auth().adminKey().reveal()).isEqualTo("admin-secret-cccc");
  }

  // ---- the launcher ----------------------------------------------------------------------------------------------

  @Test
  void launcherExitsNonZeroNamingTheBadFieldOnStderr(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, """
        server:
          port: 99999
        providers:
          openai:
            base_ur: https://api.openai.com/v1
            models: [gpt-4o]
        """);
    Path err = dir.resolve("stderr.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.switchboard.Switchboard", "-c", conf.toString())
        .redirectError(err.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().remove("SWITCHBOARD_CONFIG");
    Process proc = pb.start();
    try {
      assertThat(proc.waitFor(30, TimeUnit.SECONDS)).as("launcher exits").isTrue();
      String stderr = Files.readString(err);
      assertThat(proc.exitValue()).as("exit code, stderr: %s", stderr).isNotZero();
      assertThat(stderr).contains("providers.openai.base_ur", "server.port");
    } finally {
      proc.destroyForcibly();
    }
  }
}
