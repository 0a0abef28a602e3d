package dev.switchboard.cache;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * A real gateway with the response cache in front of a WireMock provider ({@code up}, models gpt-real and
 * text-embedding-3-small), two client keys (team-a, team-b) and an admin key, for the cache's end-to-end tests.
 */
final class CacheGateway implements AutoCloseable {
  static final String TEAM_A = "sb-team-a-key-0001";
  static final String TEAM_B = "sb-team-b-key-0002";
  static final String ADMIN = "sb-admin-key-0003";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  final FakeProvider upstream;
  final GatewayUnderTest gateway;

  /**
   * @param cacheYaml the cache section's body (indented by two spaces), e.g. {@code "  mode: all\n"}
   * @param serverLines server settings, e.g. "instances: 2" (none: the gateway-under-test defaults)
   */
  CacheGateway(FakeProvider upstream, String cacheYaml, String... serverLines) {
    this.upstream = upstream;
    TestConfig config = TestConfig.empty().clientKey("team-a", TEAM_A).clientKey("team-b", TEAM_B).adminKey(ADMIN)
        .provider("up", upstream, "sk-provider", "gpt-real", "text-embedding-3-small")
        .with("timeouts: {connect: 1s, first_byte: 5s, idle: 2s, total: 10s}")
        .provider("local", "type: local", "models: [switchboard-local]")
        .routing("{max_attempts: 1}")
        .section("cache", cacheYaml.isBlank() ? "{}" : cacheYaml.stripTrailing().stripIndent());
    this.gateway = (serverLines.length == 0 ? config : config.server(serverLines)).start();
  }

  CacheGateway(String cacheYaml) {
    this(new FakeProvider(), cacheYaml);
  }

  /** A chat request as team-a. */
  HttpResponse<String> chat(String body, String... headers) throws Exception {
    return post("/v1/chat/completions", body, TEAM_A, headers);
  }

  HttpResponse<String> post(String path, String body, String clientKey, String... headers) throws Exception {
    return HTTP.send(request(path, body, clientKey, headers), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code n} identical chat requests as team-a, all sent at once. */
  List<HttpResponse<String>> concurrently(int n, String body) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(HTTP.sendAsync(request("/v1/chat/completions", body, TEAM_A), HttpResponse.BodyHandlers.ofString()));
    }
    List<HttpResponse<String>> out = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : futures) {
      out.add(f.get());
    }
    return out;
  }

  private HttpRequest request(String path, String body, String clientKey, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + clientKey)
        .timeout(Duration.ofSeconds(15))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    return b.build();
  }

  /** Requests the fake provider received at a path below /v1. */
  int upstreamCalls(String path) {
    return upstream.server().findAll(postRequestedFor(urlPathEqualTo("/v1" + path))).size();
  }

  int chatCalls() {
    return upstreamCalls("/chat/completions");
  }

  String metrics() throws Exception {
    return gateway.get("/metrics").body();
  }

  HttpResponse<String> admin(String method, String path, String key) throws Exception {
    return key == null ? gateway.send(method, path, null) : gateway.send(method, path, null, "Authorization",
        "Bearer " + key);
  }

  static String cacheHeader(HttpResponse<?> resp) {
    return resp.headers().firstValue("x-switchboard-cache").orElse(null);
  }

  @Override
  public void close() {
    gateway.close();
    upstream.close();
  }
}
