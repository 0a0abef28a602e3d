package dev.switchboard.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayMetricsTest {

  @Test
  void modelLabelsAreCappedSoClientsCannotExplodeCardinality() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    for (int i = 0; i < GatewayMetrics.MAX_MODEL_LABELS + 100; i++) {
      metrics.tokens("openrouter", "vendor/model-" + i, "prompt", 1);
    }
    long series = registry.find(GatewayMetrics.TOKENS).counters().size();
    assertThat(series).isEqualTo(GatewayMetrics.MAX_MODEL_LABELS + 1);
    assertThat(registry.find(GatewayMetrics.TOKENS).tag("model", "other").counter().count()).isEqualTo(100);
    // a name seen before the cap keeps its own series
    metrics.tokens("openrouter", "vendor/model-3", "prompt", 5);
    assertThat(registry.find(GatewayMetrics.TOKENS).tag("model", "vendor/model-3").counter().count()).isEqualTo(6);
  }

  @Test
  void aLatencySeriesIsADozenOrSoBucketsNotEighty() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    metrics.requestFinished("chat", "openai", 200, "ok", 3_000_000);
    metrics.requestFinished("chat", "openai", 200, "ok", 7_000_000_000L);
    metrics.timeToFirstToken("chat", "openai", 40_000_000);
    metrics.probe("openai", "ok", 2_000_000);
    String scrape = registry.scrape();
    for (String histogram : new String[] {"switchboard_request_duration_seconds", "switchboard_time_to_first_token_seconds",
        "switchboard_probe_duration_seconds"}) {
      long buckets = scrape.lines().filter(l -> l.startsWith(histogram + "_bucket{")).count();
      assertThat(buckets).as(histogram).isBetween(10L, 20L);
    }
    assertThat(scrape).contains("switchboard_request_duration_seconds_bucket{endpoint=\"chat\",provider=\"openai\","
        + "le=\"0.005\"} 1").contains("le=\"10.0\"} 2");
    assertThat(scrape.lines().filter(l -> l.startsWith("switchboard_")).count())
        .as("every switchboard_ line of one request, one first token and one probe").isLessThan(70);
  }

  @Test
  void aRepliesTokensInOneCallCountAsTheThreeKindsAndStayCappedByModel() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    for (int i = 0; i < GatewayMetrics.MAX_MODEL_LABELS + 100; i++) {
      metrics.tokens("openrouter", "vendor/model-" + i, 10, 2, i % 2);
    }
    metrics.tokens("openrouter", "vendor/model-3", 5, 0, 0);
    metrics.tokens("openrouter", "vendor/model-3", "completion", 7);
    assertThat(registry.find(GatewayMetrics.TOKENS).tag("kind", "prompt").counters())
        .hasSize(GatewayMetrics.MAX_MODEL_LABELS + 1);
    assertThat(registry.find(GatewayMetrics.TOKENS).tag("kind", "cached").counters()).as("zero is not counted")
        .hasSize((GatewayMetrics.MAX_MODEL_LABELS + 1) / 2 + 1);
    assertThat(registry.find(GatewayMetrics.TOKENS).tags("model", "other", "kind", "prompt").counter().count())
        .isEqualTo(1000);
    assertThat(registry.find(GatewayMetrics.TOKENS).tags("model", "vendor/model-3", "kind", "prompt").counter()
        .count()).isEqualTo(15);
    assertThat(registry.find(GatewayMetrics.TOKENS).tags("model", "vendor/model-3", "kind", "completion").counter()
        .count()).as("the per-kind call and the one-call form share the counter").isEqualTo(9);
  }

  @Test
  void anAttemptsTextCountsOnTheSameCounterAsItsProviderAndResult() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    metrics.upstreamAttempt("openai:503");
    metrics.upstreamAttempt("openai:503");
    metrics.upstreamResponse("openai", "503");
    metrics.upstreamAttempt("azure:eu:timeout");
    assertThat(registry.find(GatewayMetrics.UPSTREAM_RESPONSES).tags("provider", "openai", "status", "503").counter()
        .count()).isEqualTo(3);
    assertThat(registry.find(GatewayMetrics.UPSTREAM_RESPONSES).tags("provider", "azure:eu", "status", "timeout")
        .counter().count()).as("split at the last colon, as before").isEqualTo(1);
    assertThat(registry.find(GatewayMetrics.UPSTREAM_RESPONSES).counters()).hasSize(2);
  }
}
