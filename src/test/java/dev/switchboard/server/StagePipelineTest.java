package dev.switchboard.server;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.ReplyRecorder;
import dev.switchboard.api.RequestStage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The stage pipeline on a real Vert.x server: order, a stage that answers, a stage that passes on later. */
class StagePipelineTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A server whose every request runs {@code pipeline}: head stages, then (as the front door does) the body ones. */
  private int serve(Supplier<StagePipeline> pipeline) throws Exception {
    StagePipeline p = pipeline.get();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      ReplyRecorder books = new ReplyRecorder("req-1", req.method().name(), req.path(), System.nanoTime());
      ClientReply reply = new ClientReply(req.response(), books, null, System::nanoTime);
      Exchange exchange = new Exchange(reply, req.headers(), Vertx.currentContext());
      p.head(exchange, () -> {
        seen.add("body read");
        p.body(exchange);
      });
    });
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  private static HttpResponse<String> get(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private RequestStage passing(String name) {
    return exchange -> {
      seen.add(name);
      exchange.next();
    };
  }

  private RequestStage answering(String name) {
    return exchange -> {
      seen.add(name);
      exchange.reply().sendJson(200, "application/json", Buffer.buffer("{\"by\":\"" + name + "\"}"));
    };
  }

  @Test
  void stagesRunInTheOrderAssembledHeadBeforeBody() throws Exception {
    int port = serve(() -> new StagePipeline(List.of(passing("h1"), passing("h2")),
        List.of(passing("b1"), passing("b2"), answering("b3"))));

    HttpResponse<String> r = get(port);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"by\":\"b3\"}");
    assertThat(r.headers().firstValue("x-request-id")).contains("req-1");
    assertThat(seen).containsExactly("h1", "h2", "body read", "b1", "b2", "b3");
  }

  @Test
  void aStageThatAnswersStopsTheChain() throws Exception {
    int port = serve(() -> new StagePipeline(List.of(passing("auth"), answering("refuse"), passing("never")),
        List.of(answering("never either"))));

    HttpResponse<String> r = get(port);

    assertThat(r.body()).isEqualTo("{\"by\":\"refuse\"}");
    assertThat(seen).containsExactly("auth", "refuse");
  }

  @Test
  void aStagePassingOnFromAFutureResumesOnTheRequestsEventLoop() throws Exception {
    Context[] requestContext = new Context[1];
    RequestStage async = exchange -> {
      requestContext[0] = Vertx.currentContext();
      seen.add("async");
      // Work finishing on another thread, handed back to the request's context, as the rate limiter's queue does.
      new Thread(() -> exchange.context().runOnContext(v -> exchange.next())).start();
    };
    RequestStage after = exchange -> {
      seen.add(Vertx.currentContext() == requestContext[0] && Context.isOnEventLoopThread() ? "same loop" : "elsewhere");
      exchange.reply().sendJson(200, "application/json", Buffer.buffer("{}"));
    };
    int port = serve(() -> new StagePipeline(List.of(), List.of(async, after)));

    HttpResponse<String> r = get(port);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(seen).containsExactly("body read", "async", "same loop");
  }

  @Test
  void aPipelineWhoseLastStagePassesStillAnswers() throws Exception {
    int port = serve(() -> new StagePipeline(List.of(), List.of(passing("only"))));

    HttpResponse<String> r = get(port);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("\"type\":\"server_error\"").contains("req-1");
  }
}
