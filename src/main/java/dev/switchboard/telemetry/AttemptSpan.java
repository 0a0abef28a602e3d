package dev.switchboard.telemetry;

import dev.switchboard.api.AttemptTrace;
import dev.switchboard.api.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** One upstream attempt's client span; the attempt ends it once, on its event loop. */
final class AttemptSpan implements AttemptTrace {
  private final Span span;

  AttemptSpan(Span span) {
    this.span = span;
  }

  @Override
  public void answered(int status, Usage usage, String responseModel, long firstTokenNanos) {
    span.setAttribute("http.response.status_code", status);
    span.setAttribute("gen_ai.response.model", responseModel);
    if (usage != null && !usage.isEmpty()) {
      span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
      span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
    }
    if (firstTokenNanos >= 0) {
      span.setAttribute("switchboard.time_to_first_byte_ms", firstTokenNanos / 1e6);
    }
    span.end();
  }

  @Override
  public void failed(int status, String errorClass, String kind, String label) {
    if (status > 0) {
      span.setAttribute("http.response.status_code", status);
    }
    span.setAttribute("error.type", kind);
    span.setAttribute("switchboard.error_class", errorClass);
    span.setAttribute("switchboard.failure", label);
    span.setStatus(StatusCode.ERROR, label);
    span.end();
  }
}
