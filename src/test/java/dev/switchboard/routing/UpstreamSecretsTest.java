package dev.switchboard.routing;

import dev.switchboard.testing.LogCapture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upstream text never carries a configured secret or the upstream's address to a client, the access log or the live
 * events, whatever the key's shape: a {@code fw_} key of 22 characters matches none of the scrubber's patterns, so
 * only removing it by value keeps it in.
 */
class UpstreamSecretsTest extends RoutingTestBase {
  /** fw_ + 19 characters: shorter than the long-token pattern, and no known prefix. */
  private static final String ODD_KEY = "fw_3kQ9xZ2mLp7RtY5vBn1";
  private static final String CLIENT_KEY = "client-key-0123456789";
  private static final String ADMIN_KEY = "admin-key-0123456789";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private LogCapture accessLog;

  @BeforeEach
  void captureAccessLog() {
    accessLog = LogCapture.start("switchboard.access");
  }

  @AfterEach
  void releaseAccessLog() {
    accessLog.close();
  }

  private void startWith(String providers) {
    start("auth:\n  keys:\n    - {name: app, key: " + CLIENT_KEY + "}\n  admin_key: " + ADMIN_KEY + "\n"
        + routing("priority") + "providers:\n" + providers);
  }

  /** The live event feed, every line of it collected on a daemon thread. */
  private List<String> events() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    HttpResponse<java.util.stream.Stream<String>> r = HTTP.send(HttpRequest.newBuilder(
            URI.create(gateway.baseUrl() + "/admin/events")).header("Authorization", "Bearer " + ADMIN_KEY).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    Thread reader = new Thread(() -> {
      try {
        r.body().forEach(lines::add);
      } catch (java.io.UncheckedIOException closed) {
        // the gateway closes the feed when the test stops it
      }
    }, "events-reader");
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.startsWith("event: ")));
    return lines;
  }

  private HttpResponse<String> chatAsClient() throws Exception {
    return chat("m1", "Authorization", "Bearer " + CLIENT_KEY);
  }

  @Test
  void aKeyOfAnUnusualShapeEchoedByTheUpstreamReachesNoClientLogOrEvent() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "Incorrect API key " + ODD_KEY + " for "
        + "https://api.fireworks.test/inference/v1/chat?key=" + ODD_KEY + " (see " + a.baseUrl() + ")");
    b.error("/chat/completions", 503, "server_error", null, "key \"" + ODD_KEY + "\" is not valid here");
    startWith(provider("a", a, "m1", "").replace("api_key: k-a", "api_key: " + ODD_KEY)
        + provider("b", b, "m1", ""));
    List<String> events = events();

    HttpResponse<String> resp = chatAsClient();

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("all_providers_failed");
    assertThat(error.getString("message")).as("still says what happened")
        .contains("a: Provider 'a' failed with HTTP 503: Incorrect API key [redacted]")
        .contains("b: Provider 'b' failed with HTTP 503: key \"[redacted]\" is not valid here")
        .doesNotContain("fireworks.test").doesNotContain("127.0.0.1").doesNotContain(":" + a.port());
    assertThat(resp.body()).doesNotContain(ODD_KEY).doesNotContain("3kQ9xZ2mLp7RtY5vBn1");
    resp.headers().map().forEach((name, values) -> assertThat(values).as(name)
        .noneMatch(v -> v.contains(ODD_KEY)));

    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(l -> l.equals("event: failover")));
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLog.messages().stream().anyMatch(l -> l.contains("\"status\":503")));
    assertThat(String.join("\n", events)).as("the live events").contains("[redacted]").doesNotContain(ODD_KEY)
        .doesNotContain("3kQ9xZ2mLp7RtY5vBn1").doesNotContain(CLIENT_KEY).doesNotContain(ADMIN_KEY);
    assertThat(String.join("\n", accessLog.messages())).as("the access log").doesNotContain(ODD_KEY).doesNotContain(CLIENT_KEY);
  }

  @Test
  void aKeyInsideAUrlIsRemovedInEveryEncoding() throws Exception {
    String key = "fw_Ab/Cd+Ef=Gh9Ij0Kl1Mn";
    String encoded = java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
    // A client error passed through as the provider gave it: the key in a URL, URL-encoded and JSON-escaped.
    a.stub("/chat/completions", com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"Bad request for /v1/chat?api_key=" + encoded + " with key "
            + key.replace("/", "\\/") + "\",\"type\":\"invalid_request_error\",\"param\":\"" + encoded
            + "\",\"code\":\"bad_key_" + key.replace("/", "\\/") + "\"}}"));
    startWith(provider("a", a, "m1", "").replace("api_key: k-a", "api_key: \"" + key + "\""));

    HttpResponse<String> resp = chatAsClient();

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("message")).isEqualTo("Bad request for /v1/chat?api_key=[redacted] with key [redacted]");
    assertThat(error.getString("param")).isEqualTo("[redacted]");
    assertThat(error.getString("code")).isEqualTo("bad_key_[redacted]");
    assertThat(resp.body()).doesNotContain(encoded).doesNotContain("Ab/Cd").doesNotContain("Ab\\/Cd");
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLog.messages().stream().anyMatch(l -> l.contains("\"status\":400")));
    assertThat(String.join("\n", accessLog.messages())).doesNotContain(encoded).doesNotContain("Ab/Cd");
  }

  @Test
  void anUnreachableUpstreamIsNamedByItsIdNotItsAddress() throws Exception {
    int port = closedPort();
    startWith(provider("a", "http://127.0.0.1:" + port + "/v1", "m1", ""));

    HttpResponse<String> resp = chatAsClient();

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(502);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("upstream_unreachable");
    assertThat(error.getString("message")).startsWith("Provider 'a' could not connect")
        .doesNotContain("127.0.0.1").doesNotContain(Integer.toString(port)).doesNotContain("localhost");
  }
}
