package dev.switchboard.testing;

import dev.switchboard.Switchboard;
import dev.switchboard.config.Clocks;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a real gateway in this JVM from YAML text, on a free port with one event-loop instance, and stops it.
 * The YAML's server section is optional; {@code server.port} defaults to 0 here.
 */
public final class GatewayUnderTest implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Switchboard gateway;

  private GatewayUnderTest(Switchboard gateway) {
    this.gateway = gateway;
  }

  public static GatewayUnderTest start(String yaml) {
    return start(yaml, Map.of());
  }

  public static GatewayUnderTest start(String yaml, Map<String, String> env) {
    return start(yaml, env, Clocks.SYSTEM);
  }

  /**
   * A gateway whose time-dependent services read {@code clocks}: e.g. {@code Clocks.withWall(fakeClock)} to age
   * health states by moving a {@link FakeClock} instead of waiting.
   */
  public static GatewayUnderTest start(String yaml, Clocks clocks) {
    return start(yaml, Map.of(), clocks);
  }

  private static GatewayUnderTest start(String yaml, Map<String, String> env, Clocks clocks) {
    String withServer = yaml.contains("server:") ? yaml
        : "server:\n  host: 127.0.0.1\n  port: 0\n  instances: 1\n  shutdown_grace: 5s\n  drain_quiet: 0s\n" + yaml;
    if (!withServer.contains("drain_quiet")) {
      // A test's gateway stops at once: waiting for the test client's idle keep-alive connections to go quiet (what a
      // production drain does, server.drain_quiet) only slows the suite. ShutdownKeepAliveTest keeps the wait.
      withServer = withServer.replaceFirst("(?m)^server:[ \\t]*\\{", "server: {drain_quiet: 0s, ")
          .replaceFirst("(?m)^server:[ \\t]*\\n(\\s+)", "server:\n$1drain_quiet: 0s\n$1");
    }
    // Background probes would add requests to the fake upstreams that tests count; tests of health turn them on.
    if (!yaml.contains("health:")) {
      withServer = "health: {enabled: false}\n" + withServer;
    }
    // The ledger in memory unless a test is about persistence: no files left in the working directory.
    if (!yaml.contains("usage:")) {
      withServer = "usage: {persist: false}\n" + withServer;
    }
    Map<String, String> environment = new HashMap<>(env);
    // The shipped config keeps its ledger under ${SWITCHBOARD_DATA_DIR:-data}: a test gateway gets a fresh directory
    // of its own under target/, never the working directory's data/ (which grows with every run and every bench).
    environment.computeIfAbsent("SWITCHBOARD_DATA_DIR", k -> freshDataDir());
    SwitchboardConfig config = ConfigLoader.fromYaml(withServer, environment);
    try {
      return new GatewayUnderTest(Switchboard.start(config, clocks).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException("gateway did not start", e);
    }
  }

  /**
   * A gateway started from a config file, as the launcher starts one, so that reloads re-read the file and runtime
   * changes are kept in its overlay. The file is used as written (no defaults are added); its {@code
   * ${SWITCHBOARD_DATA_DIR}} is a fresh directory unless {@code env} names one.
   */
  public static GatewayUnderTest startFile(java.nio.file.Path file, Map<String, String> env) {
    Map<String, String> environment = new HashMap<>(env);
    environment.computeIfAbsent("SWITCHBOARD_DATA_DIR", k -> freshDataDir());
    try {
      return new GatewayUnderTest(Switchboard.start(file, environment, Clocks.SYSTEM).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException("gateway did not start", e);
    }
  }

  /** A fresh directory under target/test-data, e.g. for a config file or a ledger that outlives one gateway. */
  public static java.nio.file.Path freshDirectory() {
    return java.nio.file.Path.of(freshDataDir());
  }

  private static String freshDataDir() {
    try {
      java.nio.file.Path base = java.nio.file.Path.of("target", "test-data");
      java.nio.file.Files.createDirectories(base);
      return java.nio.file.Files.createTempDirectory(base, "ledger-").toString();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create a test data directory", e);
    }
  }

  public int port() {
    return gateway.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * Sends a request to this gateway with a JSON content type; {@code headers} are name/value pairs that add to or
   * replace it. A null body sends none.
   */
  public HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return send("POST", path, body, headers);
  }

  /** Posts a chat request to {@code /v1/chat/completions}. */
  public HttpResponse<String> chat(Requests.Chat body, String... headers) throws Exception {
    return post("/v1/chat/completions", body.toString(), headers);
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    return send("GET", path, null, headers);
  }

  public Switchboard switchboard() {
    return gateway;
  }

  /**
   * The ledger's newest row for the request that {@code reply} answered (its {@code x-request-id}), awaited: the
   * ledger books a reply after it went out.
   */
  public io.vertx.core.json.JsonObject ledgerRow(HttpResponse<String> reply) {
    String id = reply.headers().firstValue("x-request-id").orElseThrow();
    return org.awaitility.Awaitility.await().until(() -> gateway.services().usage().query(l -> l.rows(id))
        .toCompletionStage().toCompletableFuture().join(), rows -> !rows.isEmpty()).get(0);
  }

  /** Starts the graceful shutdown without waiting for it. */
  public io.vertx.core.Future<Void> stopAsync() {
    return gateway.stop();
  }

  @Override
  public void close() {
    try {
      gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("gateway did not stop", e);
    }
  }
}
