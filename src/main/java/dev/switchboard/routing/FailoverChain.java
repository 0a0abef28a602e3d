package dev.switchboard.routing;

import dev.switchboard.api.ApiException;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.config.RoutingConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.local.LocalResponder;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs one request over its selected candidates until one answers: each try is an {@link Attempt}; after a failure
 * the client has not seen, the {@link RetryPolicy} says whether to retry the same provider after a backoff, move on,
 * or give up, and {@link GiveUp} words the answer when nothing is left. Every outcome feeds the provider's
 * {@link ProviderGuard} through {@link GuardEffects}. The per-request loop is a {@link FailoverRun}.
 *
 * <p>One instance per gateway verticle; everything for a request runs on that verticle's event loop. Time comes from
 * the guards' clock ({@link ProviderGuards#clocks()}), the one their cooldowns and circuits are stamped with.
 */
public final class FailoverChain {
  /** Requests that needed more than one attempt or failed, for the dashboard's failover list. */
  public static final String FAILOVER_ADDRESS = "switchboard.failover";
  /** Requests routed in panic mode (every candidate refused by circuits or health alone, tried anyway). */
  public static final String PANIC_ADDRESS = "switchboard.panic";

  final Vertx vertx;
  final ProviderClients clients;
  final Selector selector;
  final ProviderGuards guards;
  final LocalResponder local;
  final GatewayMetrics metrics;
  final ProviderQuota quota;
  final LongSupplier nanoClock;
  final Clock wall;
  /** The running generation's routing section; a reload swaps it, a started request keeps its {@link #rules}. */
  private final Supplier<RoutingConfig> routing;
  private final ProviderEvents events;
  private final Backoff.Jitter jitter;
  private final AttemptSettings shared;
  /** Rules built from the current routing section; rebuilt when it changes (this instance's event loop only). */
  private RoutingRules rules;

  public FailoverChain(Vertx vertx, ProviderClients clients, Selector selector, ProviderGuards guards,
                       LocalResponder local, GatewayMetrics metrics, RoutingConfig routing, ProviderEvents events,
                       ProviderQuota quota, long maxResponseBytes, BufferBudget buffers) {
    this(vertx, clients, selector, guards, local, metrics, () -> routing, events, quota, maxResponseBytes, buffers,
        Backoff.Jitter.RANDOM);
  }

  /** @param routing the running generation's routing section (see {@link dev.switchboard.config.LiveConfig}) */
  public FailoverChain(Vertx vertx, ProviderClients clients, Selector selector, ProviderGuards guards,
                       LocalResponder local, GatewayMetrics metrics, Supplier<RoutingConfig> routing,
                       ProviderEvents events, ProviderQuota quota, long maxResponseBytes, BufferBudget buffers) {
    this(vertx, clients, selector, guards, local, metrics, routing, events, quota, maxResponseBytes, buffers,
        Backoff.Jitter.RANDOM);
  }

  /** @param jitter the random part of backoffs (tests pass a fixed one) */
  FailoverChain(Vertx vertx, ProviderClients clients, Selector selector, ProviderGuards guards, LocalResponder local,
                GatewayMetrics metrics, Supplier<RoutingConfig> routing, ProviderEvents events, ProviderQuota quota,
                long maxResponseBytes, BufferBudget buffers, Backoff.Jitter jitter) {
    this.vertx = vertx;
    this.clients = clients;
    this.selector = selector;
    this.guards = guards;
    this.local = local;
    this.metrics = metrics;
    this.routing = routing;
    this.quota = quota;
    this.events = events;
    this.jitter = jitter;
    this.nanoClock = guards.clocks().nanoTime();
    this.wall = guards.clocks().wall();
    Watchdog watchdog = new Watchdog(nanoClock);
    this.shared = new AttemptSettings(watchdog, nanoClock, maxResponseBytes, buffers,
        routing.get().circuit().openFor().toMillis());
    this.rules = RoutingRules.of(routing.get(), events, jitter, shared);
    // Created from the owning verticle's start(), so the tick runs on that verticle's event loop and dies with it.
    vertx.setPeriodic(Watchdog.TICK_MILLIS, id -> watchdog.tick());
  }

  public void execute(GatewayRequest request, Route route, ClientReply reply) {
    execute(request, route, reply, TailOptions.NONE);
  }

  /** @param tail what the request's headers ask of the slow-tail machinery (first-token deadline) */
  public void execute(GatewayRequest request, Route route, ClientReply reply, TailOptions tail) {
    Selection selection;
    try {
      selection = selector.select(route, request);
    } catch (ApiException e) {
      reply.sendError(e.error(), -1);
      return;
    }
    reply.route(selection.route());
    RoutingRules rules = rules();
    GiveUp.Answer none = rules.giveUp().noCandidates(selection, request.model());
    if (none != null) {
      reply.sendError(none.error(), none.retryAfterMillis(), none.shouldRetry());
      return;
    }
    if (selection.panic()) {
      metrics.panicRouting(request.model());
      vertx.eventBus().publish(PANIC_ADDRESS, new io.vertx.core.json.JsonObject()
          .put("request_id", request.requestId())
          .put("model", request.model())
          .put("refused", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(selection.refused())))
          .put("at", wall.millis()));
    }
    new FailoverRun(this, rules, request, route, selection.candidates(), reply, selection.panic(), tail).next();
  }

  /** The rules of the running generation: kept while its routing section is the same instance, rebuilt after. */
  private RoutingRules rules() {
    RoutingConfig now = routing.get();
    if (rules.routing() != now) {
      // Hedges in flight refund the budget they took from; the new section starts a budget of its own.
      rules = RoutingRules.of(now, events, jitter, shared);
    }
    return rules;
  }

  /**
   * The request's deadline on the chain's clock. The front door stamps {@code receivedNanos} with the system's
   * nanoTime, so the time already spent (admission queue, cache lookup) is measured there and carried over.
   */
  long deadlineNanos(GatewayRequest request, RoutingConfig routing) {
    long spent = Math.max(0, System.nanoTime() - request.receivedNanos());
    return nanoClock.getAsLong() + routing.requestTimeout().toNanos() - spent;
  }
}
