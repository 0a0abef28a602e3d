package dev.switchboard.server;

import dev.switchboard.api.LogScope;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.FinishListener;
import dev.switchboard.api.ReplyRecorder;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.config.ServerConfig;
import dev.switchboard.provider.OpenAiShapes;
import dev.switchboard.server.messages.MessagesFormat;
import dev.switchboard.routing.ProviderClients;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The HTTP front door: one instance per event loop, all sharing {@link GatewayServices}. Routes each /v1 request
 * into the {@link StagePipeline} the launcher assembled (head stages before the body is read, body stages after),
 * answers the router's own failures in OpenAI's error shape, and ends what is still running at shutdown. The proxy
 * endpoints skip the Router ({@link ProxyPaths}, {@link DirectRequest}): on the hot path its route matching and
 * routing context cost more than the rest of the front together, and they answer exactly as through it.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final String RESPONSES = "/v1/responses";
  private static final String MESSAGES = "/v1/messages";
  private static final Logger LOG = Logger.getLogger(GatewayVerticle.class.getName());
  private static final String EXCHANGE = "switchboard.exchange";
  private static final LongSupplier NANOS = System::nanoTime;
  private static final long HARD_CLOSE_AFTER_GRACE_MS = 1_000;
  /** Published (no body) when shutdown begins: every instance starts closing its connections after their replies. */
  public static final String DRAIN_ADDRESS = "switchboard.drain";
  private static final long DRAIN_TICK_MS = 50;
  /** At most this long (within the grace) for idle keep-alive connections to close quietly before the listener goes. */
  private static final long DRAIN_WAIT_MS = 1_000;

  private final GatewayServices services;
  private final AtomicInteger boundPort;
  private final ConnectionLimits connectionLimits;
  /** Replies not finished yet, so shutdown can end them visibly. Touched only on this instance's event loop. */
  private final Set<ClientReply> active = new LinkedHashSet<>();
  private HttpServer server;
  private ProviderClients clients;
  private StagePipeline pipeline;
  private ClientConnections connections;
  /** The proxy endpoints the server dispatches itself, past the Router; null when CORS needs the Router's handler. */
  private ProxyPaths direct;
  private boolean draining;

  /** @param connectionLimits shared by every instance: the caps are for the whole process */
  public GatewayVerticle(GatewayServices services, AtomicInteger boundPort, ConnectionLimits connectionLimits) {
    this.services = services;
    this.boundPort = boundPort;
    this.connectionLimits = connectionLimits;
  }

  @Override
  public Future<?> start() {
    ServerConfig sc = services.config().server();
    clients = new ProviderClients(vertx, services.providers());
    // A reload removed providers: their clients close once this instance's open exchanges on them finish.
    vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(dev.switchboard.provider.ProviderRegistry.CHANGED_ADDRESS,
        msg -> clients.release(msg.body().getJsonArray("removed").getList()));
    pipeline = services.pipeline().apply(clients);

    Router router = Router.router(vertx);
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(services.readiness().liveness()));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(services.readiness().readiness()));
    var metricsConfig = services.config().metrics();
    if (metricsConfig.port() == 0) {
      new MetricsEndpoint(services.prometheus(), services.config().auth().adminKey(),
          metricsConfig.needsAdminKey(false, sc.loopback())).mount(router);
    }

    services.adminRoutes().accept(router);

    if (!sc.corsOrigins().isEmpty()) {
      // Before authentication: browsers send preflights without credentials.
      router.route("/v1/*").handler(cors(sc.corsOrigins()));
    }
    router.route("/v1/*").handler(this::begin);
    router.get("/v1/models").handler(this::listModels);
    // Model ids may contain '/' (OpenRouter and Groq style "meta-llama/llama-3-8b"), so the id is the whole rest.
    router.getWithRegex("/v1/models/(?<model>.+)").handler(this::getModel);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(sc.maxBodyBytes()).setHandleFileUploads(false);
    for (Endpoint endpoint : Endpoint.values()) {
      router.post(endpoint.path()).handler(body).handler(ctx -> proxy(ctx, endpoint, pipeline));
    }
    direct = sc.corsOrigins().isEmpty() ? new ProxyPaths() : null;
    if (direct != null) {
      for (Endpoint endpoint : Endpoint.values()) {
        direct.add(endpoint.path(), endpoint, pipeline, false);
      }
    }
    frontEnds(router, body);
    errorHandlers(router, sc);
    fallbackRoute(router);
    return listen(router, sc);
  }

  /** The OpenAI Responses and Anthropic Messages front ends: the chat path with their own stage first. */
  private void frontEnds(Router router, BodyHandler body) {
    FrontEnds fronts = services.frontEnds();
    StagePipeline responses = pipeline.withFront(fronts.responses());
    StagePipeline messages = pipeline.withFront(fronts.messages());
    StagePipeline countTokens = pipeline.answeredBy(fronts.countTokens());
    router.post(RESPONSES).handler(body).handler(ctx -> proxy(ctx, Endpoint.CHAT, responses));
    router.get(RESPONSES + "/:id").handler(ctx -> fronts.storedResponses().read(ctx.pathParam("id"), reply(ctx)));
    router.delete(RESPONSES + "/:id").handler(ctx -> fronts.storedResponses().delete(ctx.pathParam("id"),
        reply(ctx)));
    router.post(MESSAGES).handler(body).handler(ctx -> proxy(ctx, Endpoint.CHAT, messages));
    router.post(MESSAGES + "/count_tokens").handler(body).handler(ctx -> proxy(ctx, Endpoint.CHAT, countTokens));
    if (direct != null) {
      direct.add(RESPONSES, Endpoint.CHAT, responses, false)
          .add(MESSAGES, Endpoint.CHAT, messages, true)
          .add(MESSAGES + "/count_tokens", Endpoint.CHAT, countTokens, true);
    }
  }

  private void fallbackRoute(Router router) {
    router.route().last().handler(ctx -> {
      String path = ctx.request().path();
      boolean known = path.equals("/v1/models") || path.equals(RESPONSES) || path.equals(MESSAGES)
          || path.equals(MESSAGES + "/count_tokens")
          || java.util.Arrays.stream(Endpoint.values()).anyMatch(e -> e.path().equals(path));
      // /v1/responses/{id} only: what lies below it (input_items, cancel) is not served by any method.
      boolean storedResponse = path.startsWith(RESPONSES + "/") && path.indexOf('/', RESPONSES.length() + 1) < 0;
      if (known || storedResponse) {
        ctx.response().putHeader("allow", path.equals("/v1/models") ? "GET" : storedResponse ? "GET, DELETE" : "POST");
        fail(ctx, new ApiError(405, ApiError.INVALID_REQUEST, "Method " + ctx.request().method() + " is not allowed for "
            + path + ".", null, "method_not_allowed"));
        return;
      }
      unknownRoute(ctx);
    });
  }

  private void unknownRoute(RoutingContext ctx) {
    fail(ctx, new ApiError(404, ApiError.INVALID_REQUEST,
        "Unknown request URL: " + ctx.request().method() + " " + ctx.request().path() + ". Switchboard serves the "
            + "OpenAI API under /v1 (chat/completions, responses, completions, embeddings, models, "
            + "images/generations, audio/speech) and Anthropic's Messages API (/v1/messages).", null, "unknown_url"));
  }

  private void errorHandlers(Router router, ServerConfig sc) {
    router.errorHandler(405, ctx -> fail(ctx, new ApiError(405, ApiError.INVALID_REQUEST, "Method "
        + ctx.request().method() + " is not allowed for " + ctx.request().path() + ".", null, "method_not_allowed")));
    router.errorHandler(403, ctx -> fail(ctx, new ApiError(403, ApiError.INVALID_REQUEST, "Origin "
        + ctx.request().getHeader("origin") + " is not allowed to call this gateway (server.cors_origins).", null,
        "origin_not_allowed")));
    router.errorHandler(413, ctx -> fail(ctx, tooLarge(sc)));
    router.errorHandler(400, ctx -> fail(ctx, badRequest(ctx.failure())));
    // vertx-web's answer to a request target that is not a path ("GET x"), before any route.
    router.errorHandler(404, this::unknownRoute);
    // 200: vertx-web's body handler fails with it when the client's upload breaks off (a reset, a malformed chunk).
    router.errorHandler(200, this::failure);
    router.errorHandler(500, this::failure);
  }

  private static ApiError tooLarge(ServerConfig sc) {
    return new ApiError(413, ApiError.INVALID_REQUEST, "The request body is larger than the gateway's limit of "
        + sc.maxBodyBytes() + " bytes.", null, "request_too_large");
  }

  /** Vert.x-web's own 400s: a missing Host or a bad request target, else the body (JSON) could not be read. */
  private static ApiError badRequest(Throwable failure) {
    String why = failure == null ? null : failure.getMessage();
    if (why != null && why.contains("'Host' header is required")) {
      return ApiError.invalid("The request has no Host header, which HTTP/1.1 requires.", null, "missing_host");
    }
    if (why != null && why.contains("request path must start with '/'")) {
      return ApiError.invalid("The request URL is not a valid path; Switchboard serves the OpenAI API under /v1.", null,
          "invalid_url");
    }
    return ApiError.invalid("We could not parse the body of your request. Send a JSON object with "
        + "'Content-Type: application/json'.", null, "invalid_json");
  }

  private void failure(RoutingContext ctx) {
    failure(ctx.request(), reply(ctx), requestId(ctx), ctx.failure());
  }

  /** A failure while handling a request (the Router's 500 and 200): answered, logged, or both. */
  private void failure(HttpServerRequest request, ClientReply reply, String requestId, Throwable failure) {
    if (failure instanceof ApiException api) {
      fail(request.response(), reply, requestId, api.error());
      return;
    }
    if (failure instanceof io.vertx.core.http.HttpClosedException || connections.handledHere(request)) {
      // The client went away mid-request, or the edge already answered its malformed body: nothing to send, and a
      // client's mistake is no server error. The reply's close handler records the request as client_closed.
      try (var scope = LogScope.request(requestId, request.getHeader("traceparent"))) {
        LOG.fine(() -> "request " + requestId + " on " + request.path() + " ended by the client: " + failure);
      }
      return;
    }
    try (var scope = LogScope.request(requestId, request.getHeader("traceparent"))) {
      LOG.log(java.util.logging.Level.SEVERE, "unhandled error on " + request.path(), failure);
    }
    fail(request.response(), reply, requestId, ApiError.server("Switchboard failed to handle the request; see the "
        + "gateway log for request " + requestId + "."));
  }

  private Future<HttpServer> listen(Router router, ServerConfig sc) {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(sc.host())
        .setPort(sc.port())
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // HTTP/1.1 only: cleartext HTTP/2 (prior knowledge or Upgrade: h2c) is not offered to clients, and the upgrade
        // path is a known smuggling vector past proxies. It would also set up each connection only once its first
        // bytes arrive, out of reach of the connection caps and of ClientConnections' read deadlines.
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, clientIdleTimeoutSeconds()))
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
    connections = new ClientConnections(sc, connectionLimits, services.metrics(), options, System::nanoTime);
    server = vertx.createHttpServer(options)
        .requestHandler(req -> {
          if (connections.headArrived(req, System.nanoTime())) {
            ProxyPaths.Target target = direct == null ? null : direct.match(req);
            if (target != null) {
              new DirectRequest(req, target).start();
            } else {
              router.handle(req);
            }
          }
        })
        .invalidRequestHandler(connections::invalid)
        .connectionHandler(conn -> connections.accepted(conn, System.nanoTime()));
    long sweepEvery = connections.sweepEveryMillis();
    vertx.setPeriodic(sweepEvery, sweepEvery, id -> connections.sweep(System.nanoTime()));
    vertx.eventBus().localConsumer(DRAIN_ADDRESS, m -> drain());
    return server.listen().onSuccess(s -> boundPort.compareAndSet(0, s.actualPort()));
  }

  /** Allowed request headers are echoed from the preflight, so SDK headers (x-stainless-*) need no list here. */
  private static CorsHandler cors(java.util.List<String> origins) {
    CorsHandler cors = CorsHandler.create();
    if (!origins.contains("*")) {
      cors.addOrigins(origins);
    }
    return cors.allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
        .exposedHeaders(java.util.Set.of("x-request-id", "x-switchboard-provider", "x-switchboard-attempts",
            "x-switchboard-route", "x-switchboard-cache", "age", "x-switchboard-degraded", "retry-after"))
        .maxAgeSeconds(600);
  }

  /**
   * Client connections silent in both directions for longer than any request may legitimately take (the request
   * deadline, every attempt included) plus a minute are closed: bounds slow or abandoned connections without ever
   * cutting a request that is still within its own timeouts (a non-stream reply sends nothing until the end).
   */
  private long clientIdleTimeoutSeconds() {
    return Math.max(120, services.config().routing().requestTimeout().toSeconds() + 60);
  }

  @Override
  public Future<?> stop() {
    long grace = services.config().server().shutdownGrace().toMillis();
    // Stop accepting at once and let in-flight requests and streams finish within the grace period. Whatever still
    // runs when it is over is ended by the gateway itself (an in-band error and [DONE] for a stream), never cut
    // silently; the listener's hard close comes a little later, only as a backstop for clients that do not read.
    long endTimer = vertx.setTimer(Math.max(1, grace), id -> endActive());
    drain();
    // Keep-alive connections get a moment to close quietly (ClientConnections.drain) before the listener's own
    // shutdown closes every idle one at once; busy ones are the grace period's business.
    Promise<Void> quiet = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(grace, DRAIN_WAIT_MS));
    if (connections.busyOrIdle() == 0) {
      quiet.complete();
    }
    vertx.setPeriodic(DRAIN_TICK_MS, id -> {
      if (connections.busyOrIdle() == 0 || System.nanoTime() >= deadline) {
        vertx.cancelTimer(id);
        quiet.tryComplete();
      }
    });
    return quiet.future().compose(v -> server.shutdown(grace + HARD_CLOSE_AFTER_GRACE_MS, TimeUnit.MILLISECONDS))
        .eventually(() -> {
          vertx.cancelTimer(endTimer);
          // Anything the hard close cut: cancel its upstream attempt before the pools go, so it is not blamed on the
          // provider.
          endActive();
          return clients.close();
        })
        // The reply whose end closed the last connection can complete all of the above from inside that end(),
        // before its own finish() has run: its ledger row would come after the usage verticle's final flush. Its
        // task is the one running now, so the stop completes in the next turn of this event loop, after it.
        .transform(ar -> {
          Promise<Void> nextTurn = Promise.promise();
          context.runOnContext(v -> nextTurn.handle(ar.mapEmpty()));
          return nextTurn.future();
        });
  }

  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    connections.drain();
    // Connections already quiet long enough go at once, not a tick later.
    connections.sweep(System.nanoTime());
    vertx.setPeriodic(DRAIN_TICK_MS, id -> connections.sweep(System.nanoTime()));
  }

  private void endActive() {
    for (ClientReply reply : List.copyOf(active)) {
      try {
        reply.endForShutdown();
      } catch (RuntimeException e) {
        // Its connection is already gone; nothing left to tell the client.
        LOG.log(java.util.logging.Level.FINE, "could not end request " + reply.requestId() + " at shutdown", e);
      }
    }
  }

  /**
   * {@code curl -d} labels bodies as form data; OpenAI reads them as JSON anyway, and so does Switchboard, instead
   * of letting the form decoder reject a prompt containing '%'.
   */
  private static void jsonRegardlessOfFormType(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
      request.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
    }
  }

  /**
   * First handler of every /v1 request: request id, reply and exchange, then the head stages (authentication). Runs
   * before the body is read; the router goes on to the body (and {@link #proxy}) only if every head stage passes.
   */
  private void begin(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Exchange exchange = open(req, requestId(ctx), req.path().startsWith(MESSAGES));
    ctx.put(EXCHANGE, exchange);
    pipeline.head(exchange, ctx::next);
  }

  /**
   * The request's reply and exchange, counted as started.
   *
   * @param anthropic an Anthropic-protocol client: even a refused key or an oversized body must answer in
   *     Anthropic's shape
   */
  private Exchange open(HttpServerRequest req, String requestId, boolean anthropic) {
    long start = NANOS.getAsLong();
    ReplyRecorder books = new ReplyRecorder(requestId, req.method().name(), req.path(), start);
    books.clientHeaders(req.headers());
    Finished finished = new Finished();
    ClientReply reply = new ClientReply(req.response(), books, finished, NANOS);
    finished.reply = reply;
    active.add(reply);
    if (anthropic) {
      reply.wireFormat(MessagesFormat.beforeTheBody());
    }
    Exchange exchange = new Exchange(reply, req.headers(), context);
    services.metrics().requestStarted();
    jsonRegardlessOfFormType(req);
    return exchange;
  }

  /**
   * A proxy request the server dispatched itself ({@link ProxyPaths}): what the Router, its body handler and
   * {@link #begin}/{@link #proxy} did for it, in one object. Head stages, then the body ({@link BodyReader}), then the
   * body stages; every failure is answered as the Router's error handlers answer it, and a response they leave open
   * is ended with the failure's status as the Router ends it. Runs on the request's event loop.
   */
  private final class DirectRequest implements Runnable, BodyReader.Receiver {
    private final HttpServerRequest request;
    private final ProxyPaths.Target target;
    private String requestId;
    private Exchange exchange;

    DirectRequest(HttpServerRequest request, ProxyPaths.Target target) {
      this.request = request;
      this.target = target;
    }

    void start() {
      try {
        requestId = GatewayVerticle.requestId(request);
        exchange = open(request, requestId, target.anthropic());
        target.pipeline().head(exchange, this);
      } catch (Throwable t) {
        failed(500, t);
      }
    }

    /** Every head stage passed: read the body. */
    @Override
    public void run() {
      try {
        BodyReader.read(request, services.config().server().maxBodyBytes(), this);
      } catch (Throwable t) {
        failed(500, t);
      }
    }

    @Override
    public void received(Buffer body) {
      try {
        exchange.received(target.endpoint(), body);
        target.pipeline().body(exchange);
      } catch (Throwable t) {
        failed(500, t);
      }
    }

    @Override
    public void tooLarge() {
      fail(request.response(), reply(), requestId(), GatewayVerticle.tooLarge(services.config().server()));
      endIfOpen(413);
    }

    @Override
    public void failed(Throwable cause) {
      if (cause instanceof io.netty.handler.codec.DecoderException) {
        // As vertx-web's body handler: a malformed upload is the client's 400.
        fail(request.response(), reply(), requestId(), badRequest(cause.getCause() == null ? cause : cause.getCause()));
        endIfOpen(400);
      } else {
        // The body handler's 200: the upload broke off.
        failed(200, cause);
      }
    }

    private void failed(int status, Throwable t) {
      failure(request, reply(), requestId(), t);
      endIfOpen(status);
    }

    private ClientReply reply() {
      return exchange == null ? null : exchange.reply();
    }

    private String requestId() {
      if (requestId == null) {
        requestId = GatewayVerticle.requestId(request);
      }
      return requestId;
    }

    /** The Router's last word after its error handler: a response still open ends with the failure's status. */
    private void endIfOpen(int status) {
      HttpServerResponse response = request.response();
      if (!response.ended() && !response.closed()) {
        response.setStatusCode(status);
        response.end(response.getStatusMessage());
      }
    }
  }

  /** The body is read: the body stages take the request from here to its reply. */
  private void proxy(RoutingContext ctx, Endpoint endpoint, StagePipeline path) {
    Exchange exchange = ctx.get(EXCHANGE);
    exchange.received(endpoint, ctx.body().buffer());
    path.body(exchange);
  }

  /**
   * The writer's own bookkeeping when a reply is over: it leaves the set shutdown ends, and its outcome goes to the
   * launcher's finish listeners.
   */
  private final class Finished implements FinishListener {
    private ClientReply reply;

    @Override
    public void finished(RequestOutcome outcome) {
      active.remove(reply);
      services.finished().finished(outcome);
    }
  }

  private void listModels(RoutingContext ctx) {
    ClientReply reply = reply(ctx);
    // ?all=true: the full configured catalogue, each entry marked servable or not (README: Models).
    boolean all = "true".equalsIgnoreCase(ctx.request().getParam("all"));
    reply.sendJson(200, "application/json", services.catalog().toOpenAiList(all).toBuffer());
  }

  private void getModel(RoutingContext ctx) {
    ClientReply reply = reply(ctx);
    String model = ctx.pathParam("model");
    services.catalog().toOpenAiList(false).getJsonArray("data").stream()
        .map(o -> (io.vertx.core.json.JsonObject) o)
        .filter(o -> model.equals(o.getString("id")))
        .findFirst()
        .ifPresentOrElse(o -> reply.sendJson(200, "application/json", o.toBuffer()),
            () -> reply.sendError(ApiError.modelNotFound(model), -1));
  }

  /** Errors outside the proxy path (unknown route, body limit, bad method) still leave in OpenAI's shape. */
  private void fail(RoutingContext ctx, ApiError error) {
    ClientReply reply = reply(ctx);
    fail(ctx.response(), reply, reply == null ? requestId(ctx) : null, error);
  }

  /** @param requestId the id of a reply made here when {@code reply} is null */
  private static void fail(HttpServerResponse response, ClientReply reply, String requestId, ApiError error) {
    if (reply == null) {
      reply = new ClientReply(response, requestId);
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    reply.sendError(error, -1);
  }

  /** The reply of a request that went through {@link #begin}, or null. */
  private static ClientReply reply(RoutingContext ctx) {
    Exchange exchange = ctx.get(EXCHANGE);
    return exchange == null ? null : exchange.reply();
  }

  private static String requestId(RoutingContext ctx) {
    String id = ctx.get("requestId");
    if (id != null) {
      return id;
    }
    id = requestId(ctx.request());
    ctx.put("requestId", id);
    return id;
  }

  /** The client's x-request-id when it is a sane token (printable ASCII, at most 128 characters), else a new id. */
  static String requestId(HttpServerRequest request) {
    String given = request.getHeader("x-request-id");
    return given != null && saneRequestId(given) ? given : OpenAiShapes.newId("req_");
  }

  private static boolean saneRequestId(String id) {
    if (id.isEmpty() || id.length() > 128) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 32 || c >= 127) {
        return false;
      }
    }
    return true;
  }
}
