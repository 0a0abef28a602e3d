package dev.switchboard.config;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/** The {@code telemetry} section, with the standard OpenTelemetry variables as fallbacks. */
final class TelemetrySection {
  private TelemetrySection() {
  }

  static TelemetryConfig telemetry(ConfigNode n, Map<String, String> env) {
    TelemetryConfig d = TelemetryConfig.OFF;
    ConfigNode otlp = n.object("otlp");
    String endpoint = otlp.string("endpoint", env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "")).trim();
    otlp.rejectUnknown();
    String traces = null;
    if (!endpoint.isEmpty()) {
      try {
        URI uri = new URI(endpoint);
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
          throw new java.net.URISyntaxException(endpoint, "not an http(s) URL");
        }
        // As OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL, the signal's path appended.
        traces = endpoint.endsWith("/v1/traces") ? endpoint
            : endpoint.replaceAll("/+$", "") + "/v1/traces";
      } catch (java.net.URISyntaxException e) {
        n.problem("otlp.endpoint", "must be an http(s) URL such as http://localhost:4318, got \"" + endpoint + "\"");
      }
    }
    String service = n.string("service_name", env.getOrDefault("OTEL_SERVICE_NAME", d.serviceName())).trim();
    if (service.isEmpty()) {
      n.problem("service_name", "must not be empty");
    }
    ConfigNode s = n.object("sampling");
    double ratio = s.decimal("ratio", d.samplingRatio(), 0, 1);
    boolean parentBased = s.bool("parent_based", d.parentBased());
    s.rejectUnknown();
    var delay = n.duration("export_delay", d.exportDelay());
    if (delay.isZero() || delay.isNegative()) {
      n.problem("export_delay", "must be positive");
    }
    String header = n.string("end_user_header", d.endUserHeader()).trim().toLowerCase(Locale.ROOT);
    if (!header.isEmpty() && !header.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
      n.problem("end_user_header", "is not a valid HTTP header name, got \"" + header + "\"");
    }
    n.rejectUnknown();
    return new TelemetryConfig(traces, service, ratio, parentBased, delay, header.isEmpty() ? null : header);
  }
}
