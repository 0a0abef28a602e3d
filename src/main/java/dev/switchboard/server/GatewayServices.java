package dev.switchboard.server;

import dev.switchboard.api.FinishListener;
import dev.switchboard.cache.ResponseCache;
import dev.switchboard.admin.LiveEvents;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.health.Readiness;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.usage.UsageService;
import dev.switchboard.provider.local.LocalResponder;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.routing.Selector;
import dev.switchboard.routing.ProviderClients;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.function.Function;

/**
 * The thread-safe services every gateway verticle instance shares, built once by the launcher. Background
 * verticles (health, rate limits, cache) add theirs here so the hot path calls them directly. {@code adminRoutes}
 * mounts the admin API and dashboard, which the launcher builds: the front door does not know the admin surface.
 * The launcher also assembles the request path: {@code pipeline} builds one instance's stages around its own upstream
 * clients, and {@code finished} is the one list of finish listeners every reply's outcome goes to.
 */
public record GatewayServices(SwitchboardConfig config, ProviderRegistry providers, ModelCatalog catalog,
                              LocalResponder local, GatewayMetrics metrics, PrometheusMeterRegistry prometheus,
                              Readiness readiness, ProviderGuards guards,
                              Selector selector, ProviderHealths health, RateLimiter limiter,
                              UsageService usage, ResponseCache cache, LiveEvents live,
                              BufferBudget buffers, java.util.function.Consumer<io.vertx.ext.web.Router> adminRoutes,
                              Function<ProviderClients, StagePipeline> pipeline, FinishListener finished,
                              FrontEnds frontEnds) {
}
