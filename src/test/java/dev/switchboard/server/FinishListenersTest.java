package dev.switchboard.server;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.FinishListener;
import dev.switchboard.api.FinishListeners;
import dev.switchboard.api.ReplyRecorder;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.RequestStage;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.usage.ClientKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every finish listener hears the same single outcome of a request exactly once: for a reply that ends well, for a
 * client refused by authentication, and for a client that leaves in the middle of a stream (after which the stage
 * still tries to write and end the stream, as an upstream relay would).
 */
class FinishListenersTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<RequestOutcome> first = new CopyOnWriteArrayList<>();
  private final List<RequestOutcome> second = new CopyOnWriteArrayList<>();
  private final List<ClientReply> replies = new CopyOnWriteArrayList<>();
  private int port;

  @BeforeEach
  void start() throws Exception {
    ClientAuth auth = new ClientAuth(new ClientKeys(List.of(new ClientKeyConfig("team", Secret.of("sk-team-0123")))));
    RequestStage answer = exchange -> {
      replies.add(exchange.reply());
      if (exchange.headers().contains("x-test-stream")) {
        exchange.reply().servedBy("fake", "m", false);
        exchange.reply().startStream();
        exchange.reply().writeEvent(Buffer.buffer("{\"n\":1}"));
        // The rest never comes: the test ends the stream itself once the client has gone.
        return;
      }
      exchange.reply().servedBy("fake", "m", false);
      exchange.reply().attempt("fake", "200");
      exchange.reply().sendJson(200, "application/json", Buffer.buffer("{}"));
    };
    StagePipeline pipeline = new StagePipeline(List.of(new AuthenticationStage(auth)), List.of(answer));
    FinishListener listeners = new FinishListeners(List.of(first::add, second::add));
    port = vertx.createHttpServer().requestHandler(req -> {
      ReplyRecorder books = new ReplyRecorder("req-" + req.getHeader("x-test-id"), req.method().name(), req.path(),
          System.nanoTime());
      Exchange exchange = new Exchange(new ClientReply(req.response(), books, listeners, System::nanoTime),
          req.headers(), Vertx.currentContext());
      pipeline.head(exchange, () -> pipeline.body(exchange));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String id, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/x"))
        .header("x-test-id", id);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Both listeners got exactly one outcome, and the same instance. */
  private RequestOutcome theOneOutcome() {
    await().atMost(30, TimeUnit.SECONDS).until(() -> !first.isEmpty() && !second.isEmpty());
    assertThat(first).hasSize(1);
    assertThat(second).hasSize(1);
    assertThat(second.get(0)).isSameAs(first.get(0));
    return first.get(0);
  }

  @Test
  void aServedRequestIsHeardOnceWithWhatHappened() throws Exception {
    assertThat(get("ok", "Bearer sk-team-0123").statusCode()).isEqualTo(200);

    RequestOutcome o = theOneOutcome();
    assertThat(o.requestId()).isEqualTo("req-ok");
    assertThat(o.method()).isEqualTo("GET");
    assertThat(o.path()).isEqualTo("/v1/x");
    assertThat(o.clientKey()).isEqualTo("team");
    assertThat(o.provider()).isEqualTo("fake");
    assertThat(o.attempts()).containsExactly("fake:200");
    assertThat(o.status()).isEqualTo(200);
    assertThat(o.outcome()).isEqualTo(ClientReply.Outcome.OK);
    assertThat(o.endNanos()).isGreaterThanOrEqualTo(o.firstTokenNanos()).isGreaterThanOrEqualTo(o.startNanos());
  }

  @Test
  void aRequestRefusedByAuthenticationIsHeardOnce() throws Exception {
    HttpResponse<String> r = get("anon", "Bearer wrong-key-0000");

    assertThat(r.statusCode()).isEqualTo(401);
    RequestOutcome o = theOneOutcome();
    assertThat(o.requestId()).isEqualTo("req-anon");
    assertThat(o.status()).isEqualTo(401);
    assertThat(o.outcome()).isEqualTo(ClientReply.Outcome.CLIENT_ERROR);
    assertThat(o.error().type()).isEqualTo("authentication_error");
    assertThat(o.clientKey()).isNull();
    assertThat(o.request()).isNull();
    assertThat(o.frontEnd()).isNull();
    assertThat(o.admitted()).isFalse();
    assertThat(replies).as("the body stages never ran").isEmpty();
  }

  @Test
  void aClientLeavingMidStreamIsHeardOnceEvenWhenTheStreamIsEndedAfterwards() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(("GET /v1/x HTTP/1.1\r\nHost: x\r\nx-test-id: gone\r\nx-test-stream: 1\r\n"
          + "Authorization: Bearer sk-team-0123\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains("{\"n\":1}")) {
        int c = in.read();
        assertThat(c).as("the first event arrives").isNotNegative();
        seen.append((char) c);
      }
    }

    RequestOutcome o = theOneOutcome();
    assertThat(o.outcome()).isEqualTo(ClientReply.Outcome.CLIENT_CLOSED);
    assertThat(o.status()).isEqualTo(200);
    assertThat(o.eventsWritten()).isEqualTo(1);
    ClientReply reply = replies.get(0);
    vertx.runOnContext(v -> {
      reply.writeEvent(Buffer.buffer("{\"n\":2}"));
      reply.endStream(null);
    });
    // The writes after the close reach the reply's event loop; the listeners still heard only the one outcome.
    await().atMost(30, TimeUnit.SECONDS).until(reply::finished);
    assertThat(first).hasSize(1);
    assertThat(second).hasSize(1);
  }
}
