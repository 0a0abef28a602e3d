package dev.switchboard.telemetry;

import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Future;

/** Owns the tracer's lifetime: at undeploy the spans still queued go to the collector before the SDK stops. */
public final class TelemetryVerticle extends VerticleBase {
  private final Tracing tracing;

  public TelemetryVerticle(Tracing tracing) {
    this.tracing = tracing;
  }

  @Override
  public Future<?> stop() {
    Promise<Void> done = Promise.promise();
    tracing.shutdown().whenComplete(done::tryComplete);
    return done.future();
  }
}
