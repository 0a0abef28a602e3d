package dev.switchboard.telemetry;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.OtlpReceiver;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Traces end to end: a real gateway exporting over OTLP/HTTP to a collector that decodes the protobuf. */
class TracingGatewayTest {
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider a = closer.register(new FakeProvider());
  private final FakeProvider b = closer.register(new FakeProvider());
  private final OtlpReceiver collector = closer.register(new OtlpReceiver());
  private GatewayUnderTest gateway;

  /** a and b serve m at 2 / 10 per million tokens, a first; traces go to the collector every 50 ms. */
  private GatewayUnderTest start(String sampling) {
    String priced = "models: [{name: m, input_price: 2, output_price: 10}]";
    return closer.register(TestConfig.empty().routing("{strategy: priority, explore: 0, retry: {per_provider: 0}}")
        .section("telemetry", "otlp: {endpoint: \"" + collector.endpoint() + "\"}\nservice_name: gw-under-test\n"
            + "export_delay: 50ms\nsampling: " + sampling)
        .provider("a", "{base_url: \"" + a.baseUrl() + "\", api_key: sk-a, " + priced + "}")
        .provider("b", "{base_url: \"" + b.baseUrl() + "\", api_key: sk-b, " + priced + "}")
        .start());
  }

  private List<OtlpReceiver.Received> awaitSpans(int n) {
    await().atMost(Duration.ofSeconds(20)).until(() -> collector.spans().size() >= n);
    return collector.spans();
  }

  private static OtlpReceiver.Received named(List<OtlpReceiver.Received> spans, String attempt) {
    return spans.stream().filter(s -> attempt.equals(s.attribute("switchboard.attempt"))).findFirst().orElseThrow();
  }

  @Test
  void aFailoverIsOneTraceWithOneServerSpanAndTwoAttemptSpansUnderIt() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "down");
    b.chatJson("from b");
    gateway = start("{ratio: 1.0}");

    HttpResponse<String> resp = gateway.chat(Requests.chat("m", "hi"));
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("a:503,b:200");

    List<OtlpReceiver.Received> spans = awaitSpans(3);
    assertThat(spans).hasSize(3);
    assertThat(spans).extracting(OtlpReceiver.Received::traceId).as("one trace").containsOnly(spans.get(0).traceId());
    assertThat(spans).extracting(OtlpReceiver.Received::service).containsOnly("gw-under-test");
    assertThat(collector.contentTypes()).allMatch(t -> t.startsWith("application/x-protobuf"));

    OtlpReceiver.Received server = spans.stream().filter(s -> s.span().getKind()
        == io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    assertThat(server.name()).isEqualTo("POST /v1/chat/completions");
    assertThat(server.parentSpanId()).as("a root: the client sent no traceparent").isEmpty();
    assertThat(server.attribute("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(server.attribute("gen_ai.request.model")).isEqualTo("m");
    assertThat(server.attribute("gen_ai.provider.name")).isEqualTo("b");
    assertThat(server.attribute("gen_ai.response.model")).isEqualTo("m");
    assertThat(server.attribute("gen_ai.usage.input_tokens")).isEqualTo("11");
    assertThat(server.attribute("gen_ai.usage.output_tokens")).isEqualTo("7");
    assertThat(Double.parseDouble(server.attribute("switchboard.cost"))).isEqualTo(92e-6);
    assertThat(server.attribute("switchboard.attempts")).isEqualTo("a:503,b:200");
    assertThat(server.attribute("switchboard.cache")).isEqualTo("BYPASS");
    assertThat(server.attribute("http.response.status_code")).isEqualTo("200");
    assertThat(server.attribute("switchboard.request_id"))
        .isEqualTo(resp.headers().firstValue("x-request-id").orElseThrow());
    assertThat(server.attribute("switchboard.time_to_first_token_ms")).isNotNull();

    OtlpReceiver.Received first = named(spans, "1");
    OtlpReceiver.Received second = named(spans, "2");
    for (OtlpReceiver.Received attempt : List.of(first, second)) {
      assertThat(attempt.parentSpanId()).as("attempts are children of the server span").isEqualTo(server.spanId());
      assertThat(attempt.span().getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(attempt.name()).isEqualTo("chat m");
      assertThat(attempt.attribute("gen_ai.operation.name")).isEqualTo("chat");
      assertThat(attempt.attribute("gen_ai.request.model")).isEqualTo("m");
    }
    assertThat(first.attribute("gen_ai.provider.name")).isEqualTo("a");
    assertThat(first.attribute("http.response.status_code")).isEqualTo("503");
    assertThat(first.attribute("error.type")).as("the failover's reason").isEqualTo("server_error");
    assertThat(first.attribute("switchboard.error_class")).isEqualTo("retry_same");
    assertThat(first.span().getStatus().getCode())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(second.attribute("gen_ai.provider.name")).isEqualTo("b");
    assertThat(second.attribute("http.response.status_code")).isEqualTo("200");
    assertThat(second.attribute("gen_ai.usage.output_tokens")).isEqualTo("7");
    assertThat(second.attribute("error.type")).isNull();

    // Each provider saw its own attempt as the parent of its work.
    String sentToA = a.onlyRequest("/v1/chat/completions").getHeader("traceparent");
    String sentToB = b.onlyRequest("/v1/chat/completions").getHeader("traceparent");
    assertThat(sentToA).isEqualTo("00-" + first.traceId() + "-" + first.spanId() + "-01");
    assertThat(sentToB).isEqualTo("00-" + second.traceId() + "-" + second.spanId() + "-01");
  }

  @Test
  void anIncomingTraceparentIsContinuedAndReachesTheProvider() throws Exception {
    b.chatJson("from b");
    a.chatJson("from a");
    gateway = start("{ratio: 0.0, parent_based: true}");
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parent = "00f067aa0ba902b7";

    HttpResponse<String> resp = gateway.chat(Requests.chat("m", "hi"), "traceparent", "00-" + traceId + "-" + parent
        + "-01", "tracestate", "vendor=x");
    assertThat(resp.statusCode()).isEqualTo(200);

    List<OtlpReceiver.Received> spans = awaitSpans(2);
    assertThat(spans).as("sampled by the parent's flag although the ratio is 0").hasSize(2);
    assertThat(spans).extracting(OtlpReceiver.Received::traceId).containsOnly(traceId);
    OtlpReceiver.Received server = spans.stream().filter(s -> s.parentSpanId().equals(parent)).findFirst()
        .orElseThrow();
    OtlpReceiver.Received attempt = named(spans, "1");
    assertThat(attempt.parentSpanId()).isEqualTo(server.spanId());

    LoggedRequest upstream = a.onlyRequest("/v1/chat/completions");
    assertThat(upstream.getHeader("traceparent")).isEqualTo("00-" + traceId + "-" + attempt.spanId() + "-01");
    assertThat(upstream.getHeader("tracestate")).isEqualTo("vendor=x");
  }

  @Test
  void anUnsampledTraceIsNotExportedButItsContextStillReachesTheProvider() throws Exception {
    a.chatJson("from a");
    gateway = start("{ratio: 0.0, parent_based: false}");
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    assertThat(gateway.chat(Requests.chat("m", "hi"), "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
        .statusCode()).isEqualTo(200);
    String sent = a.onlyRequest("/v1/chat/completions").getHeader("traceparent");
    assertThat(sent).as("the trace goes on, marked not sampled").startsWith("00-" + traceId + "-").endsWith("-00");

    // A sampled request after it: only its spans arrive.
    gateway.close();
    gateway = start("{ratio: 1.0}");
    assertThat(gateway.chat(Requests.chat("m", "hi")).statusCode()).isEqualTo(200);
    List<OtlpReceiver.Received> spans = awaitSpans(2);
    assertThat(spans).extracting(OtlpReceiver.Received::traceId).doesNotContain(traceId);
  }
}
