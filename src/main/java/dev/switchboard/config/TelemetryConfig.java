package dev.switchboard.config;

import java.time.Duration;

/**
 * The {@code telemetry} section: OpenTelemetry traces over OTLP/HTTP, off unless an endpoint is configured (or
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set), and who a request is for.
 *
 * @param otlpEndpoint the OTLP/HTTP traces URL (…/v1/traces), or null when tracing is off
 * @param serviceName the traces' {@code service.name}
 * @param samplingRatio share of new traces recorded, 0..1
 * @param parentBased follow the incoming traceparent's sampled flag instead of the ratio when there is one
 * @param exportDelay how long finished spans wait before a batch goes to the collector
 * @param endUserHeader the client header naming the end user when the body names none
 */
public record TelemetryConfig(String otlpEndpoint, String serviceName, double samplingRatio, boolean parentBased,
                              Duration exportDelay, String endUserHeader) {
  public static final TelemetryConfig OFF = new TelemetryConfig(null, "switchboard", 1.0, true,
      Duration.ofSeconds(5), "x-switchboard-user");

  public boolean tracing() {
    return otlpEndpoint != null;
  }
}
