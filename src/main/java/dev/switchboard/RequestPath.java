package dev.switchboard;

import dev.switchboard.admin.LiveEvents;
import dev.switchboard.admin.LiveRequests;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.FinishListener;
import dev.switchboard.api.FinishListeners;
import dev.switchboard.api.RequestStage;
import dev.switchboard.cache.CacheStage;
import dev.switchboard.cache.CacheStore;
import dev.switchboard.cache.ResponseCache;
import dev.switchboard.config.LiveConfig;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.provider.local.LocalResponder;
import dev.switchboard.ratelimit.AdmissionStage;
import dev.switchboard.ratelimit.KeySettlement;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.routing.FailoverChain;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.ProviderClients;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.routing.RoutingStage;
import dev.switchboard.routing.Selector;
import dev.switchboard.server.AccessLog;
import dev.switchboard.server.AuthenticationStage;
import dev.switchboard.server.FrontEnds;
import dev.switchboard.server.messages.CountTokensStage;
import dev.switchboard.server.messages.MessagesStage;
import dev.switchboard.server.responses.ResponseStore;
import dev.switchboard.server.responses.ResponsesStage;
import dev.switchboard.server.responses.StoredResponses;
import dev.switchboard.server.ClientAuth;
import dev.switchboard.server.RequestMetrics;
import dev.switchboard.server.RequestValidator;
import dev.switchboard.server.StagePipeline;
import dev.switchboard.server.ValidationStage;
import dev.switchboard.telemetry.TraceFinisher;
import dev.switchboard.telemetry.Tracing;
import dev.switchboard.telemetry.TracingStage;
import dev.switchboard.usage.BudgetStage;
import dev.switchboard.usage.EndUserStage;
import dev.switchboard.usage.ClientKeys;
import dev.switchboard.usage.KeyPolicyStage;
import dev.switchboard.usage.LedgerListener;
import dev.switchboard.usage.RequestStats;
import dev.switchboard.usage.StatsListener;
import dev.switchboard.usage.UsageService;
import dev.switchboard.config.Secrets;
import dev.switchboard.logging.PayloadLog;
import dev.switchboard.logging.PayloadStage;
import dev.switchboard.logging.PayloadWriter;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * The launcher's assembly of the request path: the stages in order and the one list of finish listeners. A new
 * step is a class and a line here.
 */
final class RequestPath {
  private RequestPath() {
  }

  /** One gateway instance's stages, around that instance's own upstream clients. */
  static Function<ProviderClients, StagePipeline> stages(Vertx vertx, SwitchboardConfig config, ClientKeys keys,
                                                         ModelCatalog catalog, UsageService usage,
                                                         RateLimiter limiter, ResponseCache cache,
                                                         Upstream upstream, Tracing tracing) {
    List<RequestStage> head = new java.util.ArrayList<>();
    if (tracing != null) {
      // First, so a refused key is traced too; absent when tracing is off, at no cost.
      head.add(new TracingStage(tracing));
    }
    head.add(new AuthenticationStage(new ClientAuth(keys)));
    // A pass-through unless some key or model has payload logs.
    RequestStage payloads = config.logging().payloads().enabled()
        ? new PayloadStage(config.logging().payloads()) : Exchange::next;
    return clients -> new StagePipeline(head, List.of(
        new ValidationStage(new RequestValidator(), catalog),
        payloads,
        new EndUserStage(config.telemetry().endUserHeader()),
        new KeyPolicyStage(keys),
        new BudgetStage(usage, limiter.estimator()),
        new AdmissionStage(limiter),
        new CacheStage(cache),
        new RoutingStage(upstream.chain(vertx, clients, config, limiter))));
  }

  /** What the failover chain of each instance is built from. */
  record Upstream(Selector selector, ProviderGuards guards, LocalResponder local, GatewayMetrics metrics,
                  ProviderHealths health, BufferBudget buffers, LiveConfig live) {
    FailoverChain chain(Vertx vertx, ProviderClients clients, SwitchboardConfig config, RateLimiter limiter) {
      return new FailoverChain(vertx, clients, selector, guards, local, metrics, live::routing, health, limiter,
          config.server().maxResponseBytes(), buffers);
    }
  }

  /** The payload log when some key or model has one, its file closed with Vert.x; else a listener that does nothing. */
  private static FinishListener payloadLog(Vertx vertx, SwitchboardConfig config, GatewayMetrics metrics,
                                           Clock clock) {
    if (!config.logging().payloads().enabled()) {
      return outcome -> { };
    }
    PayloadWriter writer = new PayloadWriter(config.logging().payloads(), Secrets.of(config),
        metrics::payloadLogDropped, clock);
    // Closing drains the queue and waits on a disk: not on the thread that runs Vert.x's close.
    ((VertxInternal) vertx).addCloseHook(done -> new Thread(() -> {
      writer.close();
      done.succeed();
    }, "switchboard-payload-close").start());
    return new PayloadLog(writer);
  }

  /** The front ends beside Chat Completions, with where stored responses live. */
  static FrontEnds frontEnds(ResponseStore store, Clock clock) {
    return new FrontEnds(new ResponsesStage(store, clock), new MessagesStage(), new CountTokensStage(),
        new StoredResponses(store));
  }

  /** Everyone who hears that a request finished, in this order. */
  static FinishListener finishListeners(Vertx vertx, SwitchboardConfig config, GatewayMetrics metrics,
                                        UsageService usage, ProviderRegistry providers, RateLimiter limiter,
                                        LiveEvents live, ResponseCache cache, Clock clock, Tracing tracing,
                                        RequestStats stats) {
    List<FinishListener> listeners = new java.util.ArrayList<>(List.of(
        new RequestMetrics(metrics),
        new AccessLog(config.logging().accessLog()),
        payloadLog(vertx, config, metrics, clock),
        new LedgerListener(usage, providers, limiter.estimator()::promptTokens, System::currentTimeMillis,
            new StatsListener(stats)),
        new LiveRequests(live, limiter.estimator()::promptTokens),
        new KeySettlement(limiter),
        new CacheStore(cache)));
    if (tracing != null) {
      listeners.add(new TraceFinisher(providers));
    }
    return new FinishListeners(listeners);
  }
}
