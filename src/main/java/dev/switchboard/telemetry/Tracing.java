package dev.switchboard.telemetry;

import dev.switchboard.config.TelemetryConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The gateway's OpenTelemetry tracer: an SDK tracer provider with the configured sampler, exporting over OTLP/HTTP in
 * batches (off the event loop: the batch processor has its own thread). Built only when tracing is on; when it is
 * off nothing of this exists and the request path carries {@link dev.switchboard.api.RequestTrace#NONE}.
 * Thread-safe (the SDK's tracer is).
 */
public final class Tracing {
  static final String SCOPE = "dev.switchboard";

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

  /** A tracer whose finished spans go to {@code processor} (tests hand an in-memory exporter's). */
  public Tracing(TelemetryConfig config, SpanProcessor processor) {
    this.provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), config.serviceName()))))
        .setSampler(sampler(config))
        .addSpanProcessor(processor)
        .build();
    this.tracer = provider.get(SCOPE);
  }

  /** The configured exporter: OTLP/HTTP protobuf to {@code telemetry.otlp.endpoint}. */
  public static Tracing of(TelemetryConfig config) {
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(config.otlpEndpoint()).build();
    return new Tracing(config, BatchSpanProcessor.builder(exporter).setScheduleDelay(config.exportDelay()).build());
  }

  static Sampler sampler(TelemetryConfig config) {
    Sampler ratio = Sampler.traceIdRatioBased(config.samplingRatio());
    return config.parentBased() ? Sampler.parentBased(ratio) : ratio;
  }

  Tracer tracer() {
    return tracer;
  }

  TextMapPropagator propagator() {
    return propagator;
  }

  /** Exports what is still queued and stops; completes when done (or failed). */
  public CompletableResultCode shutdown() {
    return provider.shutdown();
  }
}
