package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.RawHttp;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy endpoints the server dispatches itself ({@link ProxyPaths}, {@link BodyReader}) answer byte for byte as
 * the Router does. The oracle is the same gateway with {@code server.cors_origins} set, which keeps every request on
 * the Router: each request goes as the same raw bytes to both, and the two wire responses must be equal (ids the
 * gateway makes up and the CORS headers aside).
 */
class DirectDispatchTest {
  private static final String KEY = "sb-direct-client-key";
  private static final String AUTH = "Authorization: Bearer " + KEY + "\r\n";
  private static final String CHAT = Requests.chat("gpt-real", "hi").toString();
  private static final String MESSAGES = "{\"model\":\"gpt-real\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hi\"}]}";
  private static final String RESPONSES = "{\"model\":\"gpt-real\",\"input\":\"hi\"}";
  private static final String BIG = "{\"model\":\"gpt-real\",\"messages\":[{\"role\":\"user\",\"content\":\""
      + "x".repeat(3000) + "\"}]}";
  private static FakeProvider upstream;
  private static GatewayUnderTest direct;
  private static GatewayUnderTest routed;

  @BeforeAll
  static void start() {
    upstream = new FakeProvider();
    upstream.chatJson("hello");
    direct = GatewayUnderTest.start(yaml(""));
    routed = GatewayUnderTest.start(yaml("cors_origins: [https://app.example.com]"));
  }

  @AfterAll
  static void stop() {
    direct.close();
    routed.close();
    upstream.close();
  }

  private static String yaml(String cors) {
    TestConfig config = TestConfig.empty().section("auth", "{keys: [" + KEY + "]}")
        .provider("up", upstream, null, "gpt-real");
    return (cors.isEmpty() ? config.server("shutdown_grace: 1s", "max_body_size: 2kb")
        : config.server("shutdown_grace: 1s", "max_body_size: 2kb", cors)).yaml();
  }

  private static String post(String path, String headers, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + headers
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  private static String chunked(String path, String headers, String body, int pieces) {
    StringBuilder raw = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
        + headers + "Transfer-Encoding: chunked\r\n\r\n");
    int step = (body.length() + pieces - 1) / pieces;
    for (int i = 0; i < body.length(); i += step) {
      String piece = body.substring(i, Math.min(body.length(), i + step));
      raw.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
    }
    return raw.append("0\r\n\r\n").toString();
  }

  /** Every request once, by name; each carries its own x-request-id so both gateways echo the same one. */
  private static Map<String, String> requests() {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("chat", post("/v1/chat/completions", AUTH, CHAT));
    r.put("chat with a query string", post("/v1/chat/completions?api-version=1", AUTH, CHAT));
    r.put("chat with a trailing slash", post("/v1/chat/completions/", AUTH, CHAT));
    r.put("chat in chunks", chunked("/v1/chat/completions", AUTH, CHAT, 3));
    r.put("chat labelled as a form", post("/v1/chat/completions", AUTH, CHAT)
        .replace("Content-Type: application/json", "Content-Type: application/x-www-form-urlencoded"));
    r.put("chat expecting 100-continue", post("/v1/chat/completions", AUTH + "Expect: 100-continue\r\n", CHAT));
    r.put("chat expecting something else", post("/v1/chat/completions", AUTH + "Expect: 42-answer\r\n", CHAT));
    r.put("chat as multipart", post("/v1/chat/completions", AUTH, CHAT)
        .replace("Content-Type: application/json", "Content-Type: multipart/form-data; boundary=xyz"));
    r.put("chat over HTTP/1.0 without a Host", ("POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\n"
        + AUTH + "Content-Length: " + CHAT.length() + "\r\n\r\n" + CHAT));
    r.put("chat without a Host", post("/v1/chat/completions", AUTH, CHAT).replace("Host: gw\r\n", ""));
    r.put("chat on an upper-case path", post("/V1/chat/completions", AUTH, CHAT));
    r.put("chat without a key", post("/v1/chat/completions", "", CHAT));
    r.put("chat over the limit by Content-Length", post("/v1/chat/completions", AUTH, BIG));
    r.put("chat over the limit in chunks", chunked("/v1/chat/completions", AUTH, BIG, 4));
    r.put("chat without a key over the limit", post("/v1/chat/completions", "", BIG));
    r.put("empty body", post("/v1/chat/completions", AUTH, ""));
    r.put("no body and no framing", "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n");
    r.put("malformed JSON", post("/v1/chat/completions", AUTH, "{\"model\":"));
    r.put("unknown model", post("/v1/chat/completions", AUTH, Requests.chat("gpt-nope", "hi").toString()));
    r.put("embeddings without input", post("/v1/embeddings", AUTH, "{\"model\":\"gpt-real\"}"));
    r.put("chat by GET", "GET /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n");
    r.put("messages", post("/v1/messages", "x-api-key: " + KEY + "\r\n", MESSAGES));
    r.put("messages without a key", post("/v1/messages", "", MESSAGES));
    r.put("messages over the limit", chunked("/v1/messages", "x-api-key: " + KEY + "\r\n", BIG, 2));
    r.put("messages by GET", "GET /v1/messages HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n");
    r.put("count_tokens", post("/v1/messages/count_tokens", "x-api-key: " + KEY + "\r\n", MESSAGES));
    r.put("responses", post("/v1/responses", AUTH, RESPONSES));
    r.put("responses malformed", post("/v1/responses", AUTH, "[1]"));
    List<String> names = new ArrayList<>(r.keySet());
    for (int i = 0; i < names.size(); i++) {
      String raw = r.get(names.get(i));
      int headEnd = raw.indexOf("\r\n") + 2;
      r.put(names.get(i), raw.substring(0, headEnd) + "X-Request-Id: req-direct-" + i + "\r\n" + raw.substring(headEnd));
    }
    return r;
  }

  @Test
  void everyProxyRequestIsAnsweredAsTheRouterAnswersIt() throws Exception {
    for (Map.Entry<String, String> request : requests().entrySet()) {
      String expected = normalised(exchange(routed, request.getValue()));
      String actual = normalised(exchange(direct, request.getValue()));
      assertThat(actual).as(request.getKey()).isEqualTo(expected);
      assertThat(actual).as("%s has an answer", request.getKey()).contains("HTTP/1.");
    }
  }

  @Test
  void theOracleSeesTheCasesThatMatter() throws Exception {
    Map<String, String> r = requests();
    assertThat(status(exchange(direct, r.get("chat")))).isEqualTo(200);
    assertThat(status(exchange(direct, r.get("chat in chunks")))).isEqualTo(200);
    assertThat(status(exchange(direct, r.get("chat labelled as a form")))).isEqualTo(200);
    assertThat(exchange(direct, r.get("chat expecting 100-continue"))).startsWith("HTTP/1.1 100 Continue\r\n\r\n")
        .contains("HTTP/1.1 200 OK");
    assertThat(exchange(direct, r.get("chat over the limit in chunks"))).startsWith("HTTP/1.1 413 ")
        .contains("request_too_large");
    assertThat(exchange(direct, r.get("chat without a key over the limit"))).as("the key is checked first")
        .startsWith("HTTP/1.1 401 ");
    assertThat(exchange(direct, r.get("messages over the limit"))).startsWith("HTTP/1.1 413 ")
        .as("Anthropic's error shape").contains("\"type\":\"error\"");
    assertThat(exchange(direct, r.get("chat by GET"))).startsWith("HTTP/1.1 405 ").contains("allow: POST");
    assertThat(exchange(direct, r.get("chat without a Host"))).contains("missing_host");
  }

  private static int status(String wire) {
    return Integer.parseInt(wire.substring(9, 12));
  }

  /** The wire response to one request on a fresh connection, once it is complete. */
  private static String exchange(GatewayUnderTest gateway, String raw) throws Exception {
    try (RawHttp s = new RawHttp(gateway.port())) {
      s.write(raw);
      await().atMost(Duration.ofSeconds(10)).until(() -> complete(s));
      return s.received();
    }
  }

  /** A final (non-1xx) response whose body is all there, or a response cut by the server's close. */
  private static boolean complete(RawHttp s) throws Exception {
    boolean closed = s.closedByServer();
    String text = s.received();
    while (text.startsWith("HTTP/1.1 100 ")) {
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return closed;
      }
      text = text.substring(end + 4);
    }
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return closed;
    }
    String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
    int at = head.indexOf("content-length: ");
    if (at < 0) {
      return closed;
    }
    int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at) < 0 ? head.length()
        : head.indexOf("\r\n", at)).trim());
    return text.length() - headEnd - 4 >= length;
  }

  /**
   * Made-up ids and timestamps replaced, the ranking's scores (which follow each gateway's own latencies) hidden,
   * and the headers only the CORS handler adds dropped.
   */
  private static String normalised(String wire) {
    return wire.replaceAll("(?m)^(vary|access-control-[a-z-]+): [^\r\n]*\r\n", "")
        .replaceAll("(?m)^(x-switchboard-route): [^\r\n]*", "$1: X")
        .replaceAll("\"(created|created_at)\":[0-9]+", "\"$1\":0")
        .replaceAll("\\b(msg|resp|req|toolu|chatcmpl|call)_[A-Za-z0-9]+", "$1_X");
  }
}
