package dev.switchboard.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real OTLP/HTTP trace collector for tests: a Vert.x server taking {@code POST /v1/traces} in protobuf, decoding
 * each export with the OpenTelemetry protocol's own classes and keeping its spans with their service name.
 */
public final class OtlpReceiver implements AutoCloseable {
  /** A received span with its service.name, ids in lower-case hex as in a traceparent. */
  public record Received(String service, Span span) {
    public String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    public String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    public String parentSpanId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }

    public String name() {
      return span.getName();
    }

    /** An attribute's value as text (numbers and booleans too), or null when the span has none by that name. */
    public String attribute(String key) {
      for (KeyValue kv : span.getAttributesList()) {
        if (kv.getKey().equals(key)) {
          AnyValue v = kv.getValue();
          return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> v.toString();
          };
        }
      }
      return null;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();

  public OtlpReceiver() {
    server = vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/v1/traces")) {
        req.response().setStatusCode(404).end();
        return;
      }
      contentTypes.add(String.valueOf(req.getHeader("content-type")));
      req.body().onSuccess(body -> {
        try {
          ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body.getBytes());
          for (ResourceSpans rs : export.getResourceSpansList()) {
            String service = rs.getResource().getAttributesList().stream()
                .filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue())
                .findFirst().orElse(null);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              ss.getSpansList().forEach(s -> spans.add(new Received(service, s)));
            }
          }
          req.response().putHeader("content-type", "application/x-protobuf")
              .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
        } catch (InvalidProtocolBufferException e) {
          req.response().setStatusCode(400).end();
        }
      });
    }).listen(0, "127.0.0.1").await();
  }

  /** The collector's base URL, as telemetry.otlp.endpoint takes it. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public List<Received> spans() {
    return List.copyOf(spans);
  }

  public List<String> contentTypes() {
    return List.copyOf(contentTypes);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
