package dev.switchboard.telemetry;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.AttemptTrace;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.RequestTrace;
import dev.switchboard.api.Usage;
import dev.switchboard.config.TelemetryConfig;
import dev.switchboard.testing.Requests;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The spans of one request, at unit level: the SDK's in-memory exporter sees what the gateway would export. */
class RequestSpanTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

  private Tracing tracing(double ratio, boolean parentBased) {
    return new Tracing(new TelemetryConfig("http://unused:4318/v1/traces", "unit", ratio, parentBased,
        Duration.ofSeconds(1), null), SimpleSpanProcessor.create(exporter));
  }

  private static RequestOutcome outcome(String provider, List<String> attempts, int status, ApiError error,
                                        Usage usage) {
    return new RequestOutcome("req-1", "POST", "/v1/chat/completions", "chat", Requests.chat("m", "hi").request(),
        "team", provider, provider == null ? null : "gpt-x", attempts, status,
        status < 400 ? ClientReply.Outcome.OK : ClientReply.Outcome.UPSTREAM_ERROR, error, 0, usage, "MISS", false,
        Usage.NONE, false, null, 1_000, 3_000_000, 9_000_000, true, 10, "alice", RequestTrace.NONE);
  }

  private static io.opentelemetry.api.trace.Span serverSpan(Tracing t) {
    return t.tracer().spanBuilder("POST /v1/chat/completions").setSpanKind(SpanKind.SERVER).startSpan();
  }

  @Test
  void attemptSpansAreChildrenOfTheRequestAndCarryTheFailoverReason() {
    Tracing t = tracing(1.0, true);
    RequestSpan request = new RequestSpan(t, serverSpan(t));
    MultiMap toA = MultiMap.caseInsensitiveMultiMap();
    AttemptTrace a = request.attempt("a", "gpt-x", 1, toA);
    a.failed(429, "retry_same", "rate_limited", "429");
    MultiMap toB = MultiMap.caseInsensitiveMultiMap();
    AttemptTrace b = request.attempt("b", "gpt-x", 2, toB);
    b.answered(200, new Usage(11, 7, 18, 0), "gpt-x", 2_500_000);
    request.finished(outcome("b", List.of("a:429", "b:200"), 200, null, new Usage(11, 7, 18, 0)), 0.25);

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(3);
    SpanData server = spans.get(2);
    SpanData first = spans.get(0);
    SpanData second = spans.get(1);
    assertThat(first.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(second.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(first.getTraceId()).isEqualTo(server.getTraceId());
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(first.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("rate_limited");
    assertThat(first.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(429);
    assertThat(second.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(11);
    assertThat(second.getAttributes().get(AttributeKey.doubleKey("switchboard.time_to_first_byte_ms")))
        .isEqualTo(2.5);
    assertThat(toA.get("traceparent")).as("each provider is told its own attempt span")
        .isEqualTo("00-" + first.getTraceId() + "-" + first.getSpanId() + "-01");
    assertThat(toB.get("traceparent")).isEqualTo("00-" + second.getTraceId() + "-" + second.getSpanId() + "-01");

    assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("b");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo("gpt-x");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("m");
    assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isEqualTo(7);
    assertThat(server.getAttributes().get(AttributeKey.doubleKey("switchboard.cost"))).isEqualTo(0.25);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("alice");
    assertThat(server.getAttributes().get(AttributeKey.doubleKey("switchboard.time_to_first_token_ms")))
        .as("3 ms after the start at 1 µs").isEqualTo(2.999);
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void aFailedRequestMarksItsSpanAsAnErrorWithTheErrorType() {
    Tracing t = tracing(1.0, true);
    RequestSpan request = new RequestSpan(t, serverSpan(t));
    request.finished(outcome(null, List.of("a:503"), 502, ApiError.server("all failed"), Usage.NONE), 0);
    SpanData server = exporter.getFinishedSpanItems().get(0);
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("server_error");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.usage.input_tokens"))).isNull();
  }

  @Test
  void theRatioSamplerRecordsNothingAtZero() {
    Tracing t = tracing(0.0, true);
    io.opentelemetry.api.trace.Span span = serverSpan(t);
    assertThat(span.isRecording()).isFalse();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    new RequestSpan(t, span).attempt("a", "m", 1, headers).answered(200, Usage.NONE, "m", -1);
    span.end();
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
    assertThat(headers.get("traceparent")).as("the context still travels, marked not sampled").endsWith("-00");
  }
}
