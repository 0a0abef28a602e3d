package dev.switchboard.telemetry;

import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.MultiMap;

/**
 * The first head stage when tracing is on: opens the request's server span, continuing the client's
 * {@code traceparent}/{@code tracestate} when it sent them, and hangs it on the request's books for routing (attempt
 * spans) and the {@link TraceFinisher} (its end).
 */
public final class TracingStage implements RequestStage {
  private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final Tracing tracing;

  public TracingStage(Tracing tracing) {
    this.tracing = tracing;
  }

  @Override
  public void handle(Exchange exchange) {
    Context parent = tracing.propagator().extract(Context.root(), exchange.headers(), HEADERS);
    String method = exchange.reply().books().method();
    String path = exchange.reply().books().path();
    Span span = tracing.tracer().spanBuilder(method + " " + path)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method)
        .setAttribute("url.path", path)
        .setAttribute("switchboard.request_id", exchange.requestId())
        .startSpan();
    if (span.getSpanContext().isValid()) {
      exchange.reply().books().trace(new RequestSpan(tracing, span));
    }
    exchange.next();
  }
}
