package dev.switchboard.routing;

import dev.switchboard.provider.local.LocalResponder;
import dev.switchboard.server.ApiError;
import dev.switchboard.server.ClientReply;
import dev.switchboard.server.GatewayRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * Tries a request's candidates in order until one answers. Each try is an {@link Attempt}; failures before the
 * reply committed move on according to their {@link ErrorClass} while attempts remain, and the last failure is
 * what the client sees.
 */
public final class FailoverChain {
  private final ProviderClients clients;
  private final Selector selector;
  private final LocalResponder local;
  private final long maxResponseBytes;
  private final int maxAttempts;
  private final Watchdog watchdog = new Watchdog();

  /**
   * @param maxAttempts attempts per request across providers; 1 until the routing issue adds retries and
   *     failover policy
   */
  public FailoverChain(Vertx vertx, ProviderClients clients, Selector selector, LocalResponder local,
                       long maxResponseBytes, int maxAttempts) {
    this.clients = clients;
    this.selector = selector;
    this.local = local;
    this.maxResponseBytes = maxResponseBytes;
    this.maxAttempts = maxAttempts;
    // Created from the owning verticle's start(), so the tick runs on that verticle's event loop and dies with it.
    vertx.setPeriodic(Watchdog.TICK_MILLIS, id -> watchdog.tick());
  }

  public void execute(GatewayRequest request, Route route, ClientReply reply) {
    List<Target> candidates = selector.candidates(route, request);
    if (candidates.isEmpty()) {
      String unsupported = Selector.unsupported(route, request);
      if (unsupported != null) {
        reply.sendError(new ApiError(400, ApiError.INVALID_REQUEST, "No provider of model '" + request.model()
            + "' can serve this request: " + unsupported, null, "unsupported_by_provider"), -1);
        return;
      }
      reply.sendError(new ApiError(503, ApiError.UPSTREAM, "No provider is available for model '"
          + request.model() + "': every provider that serves it is disabled.", "model", "no_provider_available"), -1);
      return;
    }
    tryFrom(candidates, 0, request, reply);
  }

  private void tryFrom(List<Target> candidates, int index, GatewayRequest request, ClientReply reply) {
    Target target = candidates.get(index);
    if (target.provider().isLocal()) {
      local.respond(request, target.model(), reply);
      return;
    }
    Future<Void> attempt = new Attempt(watchdog, clients.get(target.provider().id()), target, request, reply,
        maxResponseBytes).run();
    attempt.onFailure(err -> {
      if (!(err instanceof UpstreamFailure failure) || reply.clientClosed() || reply.committed()) {
        return;
      }
      boolean more = index + 1 < candidates.size() && index + 1 < maxAttempts;
      if (more && failure.errorClass() != ErrorClass.FINAL) {
        tryFrom(candidates, index + 1, request, reply);
      } else {
        reply.sendError(failure.clientError(), failure.retryAfterMillis());
      }
    });
  }
}
