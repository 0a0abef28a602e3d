package dev.switchboard.server;

import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CorsTest {
  private static final String APP = "https://app.example.com";
  private FakeProvider upstream;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    upstream.chatJson("hi from upstream");
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  private String yaml(String cors) {
    TestConfig config = TestConfig.empty().section("auth", "{keys: [sb-cors-client-key]}")
        .provider("up", upstream, null, "gpt-real");
    return (cors.isEmpty() ? config.server("shutdown_grace: 1s") : config.server("shutdown_grace: 1s", cors)).yaml();
  }

  @Test
  void preflightIsAnsweredWithoutAKeyAndRepliesExposeSwitchboardHeaders() throws Exception {
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("cors_origins: [" + APP + "]"))) {
      HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
          .header("Origin", APP)
          .header("Access-Control-Request-Method", "POST")
          .header("Access-Control-Request-Headers", "authorization,content-type,x-stainless-os")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(preflight.statusCode()).isBetween(200, 204);
      assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(APP);
      assertThat(preflight.headers().firstValue("access-control-allow-headers").orElse(""))
          .contains("authorization").contains("x-stainless-os");

      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("Origin", APP)
          .header("Authorization", "Bearer sb-cors-client-key")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              Requests.chat("gpt-real", "hi").toString())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(post.headers().firstValue("access-control-allow-origin")).hasValue(APP);
      assertThat(post.headers().firstValue("access-control-expose-headers").orElse(""))
          .contains("x-request-id").contains("x-switchboard-provider");

      HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
          .header("Origin", "https://evil.example.net")
          .header("Authorization", "Bearer sb-cors-client-key").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(foreign.headers().firstValue("access-control-allow-origin")).isEmpty();
      assertThat(foreign.statusCode()).isEqualTo(403);
      assertThat(new io.vertx.core.json.JsonObject(foreign.body()).getJsonObject("error").getString("code"))
          .isEqualTo("origin_not_allowed");
    }
  }

  @Test
  void withoutCorsConfigNoCorsHeadersAreSent() throws Exception {
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml(""))) {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
          .header("Origin", APP).header("Authorization", "Bearer sb-cors-client-key").GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.headers().firstValue("access-control-allow-origin")).isEmpty();
    }
  }

  @Test
  void badOriginFailsConfigWithItsPath() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("cors_origins: [app.example.com/path]"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server.cors_origins[0]");
  }
}
