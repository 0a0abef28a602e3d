package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.LogCapture;
import dev.switchboard.testing.Metrics;
import dev.switchboard.testing.RawHttp;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP edge on real sockets: read deadlines for slow clients, connection caps, request-smuggling framing and
 * malformed bodies, each answered in OpenAI's shape with the connection closed, and none of it a stack trace.
 */
class ServerEdgeTest {
  private static final String CHAT = Requests.chat("gpt-real", "hi").toString();
  private final List<RawHttp> sockets = new ArrayList<>();
  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private LogCapture log;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    upstream.chatJson("hello");
  }

  @AfterEach
  void stop() throws Exception {
    for (RawHttp s : sockets) {
      s.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
    if (log != null) {
      log.close();
    }
  }

  private void gateway(String serverExtra) {
    gateway = TestConfig.empty()
        .server(("shutdown_grace: 2s\n" + serverExtra).lines().filter(l -> !l.isBlank()).toArray(String[]::new))
        .provider("up", upstream, "sk-edge-provider-key-1", "gpt-real").start();
    // From here on: the start-up's own warnings (an open gateway) are not the test's business.
    log = LogCapture.start();
  }

  private RawHttp connect() throws Exception {
    RawHttp s = new RawHttp(gateway.port());
    sockets.add(s);
    return s;
  }

  private static String chatHead(String framing) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + framing + "\r\n";
  }

  /** Waits for the one response the edge sends before closing, and checks it is final. */
  private static RawHttp.Response finalResponse(RawHttp s) throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> s.response() != null && s.closedByServer());
    RawHttp.Response r = s.response();
    assertThat(r.headers()).as("the connection is closed after it, and says so").containsEntry("connection", "close");
    assertThat(r.headers().get("content-type")).startsWith("application/json");
    assertThat(s.responses()).as("nothing after it is read as another request").isEqualTo(1);
    return r;
  }

  private void assertNoStackTraceLogged() {
    assertThat(log.problems()).as("a client's mistake is no server error").isEmpty();
  }

  private double refused(String reason) {
    return Metrics.sum(gateway.switchboard().services().prometheus().scrape(),
        "switchboard_connections_refused_total", "reason=\"" + reason + "\"");
  }

  @Test
  void headTrickledByteByByteGets408AtTheHeaderDeadline() throws Exception {
    gateway("header_timeout: 300ms\nbody_timeout: 30s");
    RawHttp slow = connect().write("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n");
    // Each poll sends one more header byte: a trickle that would reset an idle timer forever.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!slow.closedByServer()) {
        try {
          slow.write("x");
        } catch (java.io.IOException closing) {
          // the server is closing right now
        }
      }
      return slow.closedByServer();
    });
    RawHttp.Response r = slow.response();
    assertThat(r.status()).isEqualTo(408);
    assertThat(r.errorCode()).isEqualTo("request_timeout");
    assertThat(r.json().getJsonObject("error").getString("type")).isEqualTo("timeout_error");
    assertThat(refused("header_timeout")).isEqualTo(1.0);
    assertThat(gateway.post("/v1/chat/completions", CHAT).statusCode()).as("a legitimate request is still served")
        .isEqualTo(200);
    assertNoStackTraceLogged();
  }

  @Test
  void connectionThatNeverSpeaksIsClosedAtTheHeaderDeadline() throws Exception {
    gateway("header_timeout: 300ms");
    RawHttp silent = connect();
    await().atMost(Duration.ofSeconds(30)).until(silent::closedByServer);
    assertThat(silent.response().status()).isEqualTo(408);
  }

  @Test
  void bodyNotFinishedInTimeGets408WithConnectionClose() throws Exception {
    gateway("header_timeout: 5s\nbody_timeout: 400ms");
    RawHttp slow = connect().write(chatHead("Content-Length: 100\r\n") + "{\"model\":");
    RawHttp.Response r = finalResponse(slow);
    assertThat(r.status()).isEqualTo(408);
    assertThat(r.errorCode()).isEqualTo("request_timeout");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("server.body_timeout");
    assertThat(refused("body_timeout")).isEqualTo(1.0);
    assertNoStackTraceLogged();
  }

  @Test
  void connectionsOverThePerClientCapAreRefusedWith503() throws Exception {
    gateway("max_connections_per_client: 2");
    RawHttp first = connect();
    connect();
    RawHttp third = connect();
    RawHttp.Response r = finalResponse(third);
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.errorCode()).isEqualTo("too_many_connections");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("max_connections_per_client");
    assertThat(refused("max_connections_per_client")).isEqualTo(1.0);

    first.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (RawHttp again = new RawHttp(gateway.port())) {
        again.write("GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> again.response() != null);
        return again.response().status() == 200;
      }
    });
  }

  @Test
  void contentLengthWithChunkedIsRefusedAndTheSmuggledRequestNeverRuns() throws Exception {
    gateway("");
    String smuggled = "GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n";
    RawHttp s = connect().write(chatHead("Content-Length: " + (5 + smuggled.length()) + "\r\nTransfer-Encoding: chunked\r\n")
        + "0\r\n\r\n" + smuggled);
    RawHttp.Response r = finalResponse(s);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("ambiguous_framing");
    assertNoStackTraceLogged();
  }

  @Test
  void chunkedThatIsNotTheLastCodingIs400() throws Exception {
    gateway("");
    RawHttp s = connect().write(chatHead("Transfer-Encoding: chunked, gzip\r\n") + "0\r\n\r\n");
    RawHttp.Response r = finalResponse(s);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_transfer_encoding");
  }

  @Test
  void unknownTransferCodingIs501() throws Exception {
    gateway("");
    RawHttp s = connect().write(chatHead("Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n");
    RawHttp.Response r = finalResponse(s);
    assertThat(r.status()).isEqualTo(501);
    assertThat(r.errorCode()).isEqualTo("unsupported_transfer_encoding");
  }

  @Test
  void malformedChunkSizesGet400AndNoStackTrace() throws Exception {
    gateway("");
    for (String size : List.of("zz", "fffffffffffffffffffffffff")) {
      RawHttp s = connect().write(chatHead("Transfer-Encoding: chunked\r\n") + size + "\r\n{}\r\n0\r\n\r\n");
      RawHttp.Response r = finalResponse(s);
      assertThat(r.status()).as("chunk size %s", size).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("malformed_body");
    }
    assertNoStackTraceLogged();
  }

  @Test
  void clientAbortingItsUploadLogsNoStackTrace() throws Exception {
    gateway("");
    RawHttp s = connect().write(chatHead("Content-Length: 1000\r\n") + "{\"model\":");
    await().atMost(Duration.ofSeconds(30)).until(() -> Metrics.sum(gateway.switchboard().services().prometheus()
        .scrape(), "switchboard_requests_in_flight") == 1.0);
    s.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> Metrics.sum(gateway.switchboard().services().prometheus()
        .scrape(), "switchboard_requests_total", "outcome=\"client_closed\"") == 1.0);
    assertNoStackTraceLogged();
  }

  @Test
  void lowLevelErrorsComeInOpenAiShape() throws Exception {
    gateway("");
    RawHttp longUrl = connect().write("GET /v1/models?" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: gw\r\n\r\n");
    RawHttp.Response r = finalResponse(longUrl);
    assertThat(r.status()).isEqualTo(414);
    assertThat(r.errorCode()).isEqualTo("url_too_long");

    RawHttp bigHeaders = connect().write("GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Big: " + "b".repeat(20_000)
        + "\r\n\r\n");
    r = finalResponse(bigHeaders);
    assertThat(r.status()).isEqualTo(431);
    assertThat(r.errorCode()).isEqualTo("headers_too_large");

    RawHttp noHost = connect().write("POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + CHAT.length() + "\r\n\r\n" + CHAT);
    await().atMost(Duration.ofSeconds(30)).until(() -> noHost.response() != null);
    assertThat(noHost.response().status()).isEqualTo(400);
    assertThat(noHost.response().errorCode()).isEqualTo("missing_host");

    RawHttp queryOnly = connect().write("GET ?x HTTP/1.1\r\nHost: gw\r\n\r\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> queryOnly.response() != null);
    assertThat(queryOnly.response().status()).isEqualTo(400);
    assertThat(queryOnly.response().errorCode()).isEqualTo("invalid_url");

    RawHttp notAPath = connect().write("GET x HTTP/1.1\r\nHost: gw\r\n\r\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> notAPath.response() != null);
    assertThat(notAPath.response().status()).isEqualTo(404);
    assertThat(notAPath.response().errorCode()).isEqualTo("unknown_url");
    assertNoStackTraceLogged();
  }
}
