package dev.switchboard.server;

import dev.switchboard.config.SwitchboardConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * The listener of {@code metrics.port}: {@code /metrics} only, on a port the operator can keep off the public
 * network (a Kubernetes Service or {@code docker run -p} publishes the API port alone).
 */
public final class MetricsVerticle extends VerticleBase {
  private final SwitchboardConfig config;
  private final PrometheusMeterRegistry registry;

  public MetricsVerticle(SwitchboardConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    new MetricsEndpoint(registry, config.auth().adminKey(),
        config.metrics().needsAdminKey(true, config.server().loopback())).mount(router);
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.server().host())
        .setPort(config.metrics().port())).requestHandler(router).listen();
  }
}
