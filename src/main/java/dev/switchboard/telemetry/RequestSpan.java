package dev.switchboard.telemetry;

import dev.switchboard.api.AttemptTrace;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.RequestTrace;
import dev.switchboard.api.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;

/**
 * One request's server span and the parent of its attempt spans. Used on the request's event loop only. The
 * attributes follow the OpenTelemetry GenAI semantic conventions where one exists ({@code gen_ai.*}), and
 * {@code switchboard.*} for the gateway's own (README: Telemetry lists them).
 */
final class RequestSpan implements RequestTrace {
  private static final TextMapSetter<MultiMap> HEADERS = (carrier, key, value) -> carrier.set(key, value);

  private final Tracing tracing;
  private final Span span;

  RequestSpan(Tracing tracing, Span span) {
    this.tracing = tracing;
    this.span = span;
  }

  @Override
  public AttemptTrace attempt(String providerId, String model, int number, MultiMap upstreamHeaders) {
    Span attempt = tracing.tracer().spanBuilder("chat " + model)
        .setParent(Context.root().with(span))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", providerId)
        .setAttribute("gen_ai.request.model", model)
        .setAttribute("switchboard.attempt", number)
        .startSpan();
    // The provider sees this attempt as the parent of whatever it traces.
    tracing.propagator().inject(Context.root().with(attempt), upstreamHeaders, HEADERS);
    return new AttemptSpan(attempt);
  }

  @Override
  public void finished(RequestOutcome o, double cost) {
    if (o.request() != null) {
      span.setAttribute("gen_ai.operation.name", operation(o.request().endpoint().label()));
      span.setAttribute("gen_ai.request.model", o.request().model());
    }
    if (o.provider() != null) {
      span.setAttribute("gen_ai.provider.name", o.provider());
    }
    if (o.upstreamModel() != null) {
      span.setAttribute("gen_ai.response.model", o.upstreamModel());
    }
    Usage usage = o.cacheHit() ? Usage.NONE : o.usage();
    if (!usage.isEmpty()) {
      span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
      span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
    }
    if (o.ttftNanos() >= 0) {
      span.setAttribute("switchboard.time_to_first_token_ms", o.ttftNanos() / 1e6);
    }
    span.setAttribute("switchboard.cost", cost);
    span.setAttribute("http.response.status_code", o.status());
    span.setAttribute("switchboard.attempts", String.join(",", o.attempts()));
    span.setAttribute("switchboard.cache", o.cacheStatus());
    if (o.clientKey() != null) {
      span.setAttribute("switchboard.client_key", o.clientKey());
    }
    if (o.endUser() != null) {
      span.setAttribute("enduser.id", o.endUser());
    }
    if (o.error() != null) {
      span.setAttribute("error.type", o.error().type());
      if ("rate_limit_error".equals(o.error().type()) && o.provider() == null) {
        span.addEvent("rate_limited");
      }
    }
    if (o.status() >= 500 || o.outcome() == dev.switchboard.api.ClientReply.Outcome.STREAM_ERROR) {
      span.setStatus(StatusCode.ERROR, o.error() == null ? "" : o.error().type());
    }
    span.end();
  }

  /** The GenAI operation name of an endpoint label ("chat", "embeddings", "text_completion"...). */
  private static String operation(String endpoint) {
    return switch (endpoint) {
      case "completions" -> "text_completion";
      case "embeddings" -> "embeddings";
      default -> endpoint;
    };
  }
}
