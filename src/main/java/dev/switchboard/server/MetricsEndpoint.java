package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.Secret;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /metrics} for Prometheus. The metrics name client keys, providers, models and spend, so where
 * {@code metrics.auth} asks for it a scrape must carry the admin key ({@code Authorization: Bearer <admin key>});
 * without an admin key configured it is then refused outright rather than served to anyone.
 */
public final class MetricsEndpoint {
  private final Handler<RoutingContext> scrape;
  private final boolean needsKey;
  private final byte[] adminKey;

  /**
   * @param needsKey whether this listener must check the admin key (see
   *     {@link dev.switchboard.config.MetricsConfig#needsAdminKey})
   */
  public MetricsEndpoint(PrometheusMeterRegistry registry, Secret adminKey, boolean needsKey) {
    this.scrape = PrometheusScrapingHandler.create(registry);
    this.needsKey = needsKey;
    this.adminKey = adminKey.isPresent() ? adminKey.reveal().getBytes(StandardCharsets.UTF_8) : null;
  }

  public void mount(Router router) {
    router.get("/metrics").handler(this::serve);
  }

  private void serve(RoutingContext ctx) {
    if (needsKey) {
      ApiError refusal = refusal(ctx.request().getHeader("authorization"));
      if (refusal != null) {
        ctx.response().setStatusCode(refusal.status()).putHeader("content-type", "application/json")
            .end(refusal.toJson().toBuffer());
        return;
      }
    }
    scrape.handle(ctx);
  }

  /** Why a scrape with this Authorization header is refused, or null when it may read the metrics. */
  private ApiError refusal(String header) {
    if (adminKey == null) {
      return new ApiError(403, ApiError.AUTHENTICATION, "/metrics names client keys, providers and spend, and this "
          + "port is reachable beyond loopback: set auth.admin_key and scrape with it, or serve metrics on a port "
          + "of their own (metrics.port).", null, "metrics_need_admin_key");
    }
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    if (token.isEmpty()) {
      return new ApiError(401, ApiError.AUTHENTICATION, "/metrics needs the admin key: 'Authorization: Bearer "
          + "<admin key>'.", null, "missing_api_key");
    }
    if (!MessageDigest.isEqual(adminKey, token.getBytes(StandardCharsets.UTF_8))) {
      return new ApiError(401, ApiError.AUTHENTICATION, "Incorrect admin key.", null, "invalid_api_key");
    }
    return null;
  }
}
