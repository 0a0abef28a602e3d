package dev.switchboard.api;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * One request in flight as it passes the {@link RequestStage}s: its id and start, the reply writer, the request
 * headers and body, and what one stage hands the next (the parsed request, the resolved route, the client key). Used
 * only from the request's event loop, so it needs no synchronisation.
 *
 * <p>The stages run in two parts: the head part before the body is read (authentication: a refused client must not
 * wait for its upload) and the body part after it. {@link #run} starts a part; each stage answers the reply or calls
 * {@link #next()}; past the last stage of a part its {@code then} runs (or, with none, a 500: some stage must
 * answer).
 */
public final class Exchange {
  private static final RequestStage[] NONE = new RequestStage[0];

  private final ClientReply reply;
  private final MultiMap headers;
  private final Context context;
  private RequestStage[] stages = NONE;
  private int nextStage;
  private Runnable then;
  private Endpoint endpoint;
  private Buffer body;
  private Object route;

  /** @param context the event loop the request runs on (the stages resume on it after asynchronous work) */
  public Exchange(ClientReply reply, MultiMap headers, Context context) {
    this.reply = reply;
    this.headers = headers;
    this.context = context;
  }

  /** Runs {@code stages} in order from the first; {@code then} runs if the last one passes the exchange on. */
  public void run(RequestStage[] stages, Runnable then) {
    this.stages = stages;
    this.nextStage = 0;
    this.then = then;
    next();
  }

  /** Hands the exchange to the next stage (or the part's {@code then}). Call on the request's event loop. */
  public void next() {
    if (nextStage < stages.length) {
      stages[nextStage++].handle(this);
    } else if (then != null) {
      Runnable t = then;
      then = null;
      t.run();
    } else {
      // An assembly without a stage that answers: a gateway bug, but the client still gets a reply.
      reply.sendError(ApiError.server("No stage answered request " + reply.requestId() + "."), -1);
    }
  }

  public ClientReply reply() {
    return reply;
  }

  public String requestId() {
    return reply.requestId();
  }

  public long startNanos() {
    return reply.books().startNanos();
  }

  /** The request's headers as the client sent them. */
  public MultiMap headers() {
    return headers;
  }

  public Context context() {
    return context;
  }

  /** The API the client called, as its front end names it (null outside the proxied endpoints). */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** The front end's reading of the request: which endpoint it is and the bytes of its body. */
  public void received(Endpoint endpoint, Buffer body) {
    this.endpoint = endpoint;
    this.body = body;
  }

  /** The bytes of the body, once read (null before). */
  public Buffer body() {
    return body;
  }

  /** The authenticated client key's name, null until authenticated. */
  public String clientKey() {
    return reply.books().clientKey();
  }

  public void clientKey(String name) {
    reply.books().clientKey(name);
  }

  /** The parsed request, null until validated; later stages may replace it (e.g. with its token estimate). */
  public GatewayRequest request() {
    return reply.gatewayRequest();
  }

  public void request(GatewayRequest request) {
    reply.request(request);
  }

  /**
   * The resolved route. Typed by the caller: the route's type lives above this package (in routing), which the
   * stages that use it import.
   */
  @SuppressWarnings("unchecked")
  public <R> R route() {
    return (R) route;
  }

  public void route(Object route) {
    this.route = route;
  }
}
