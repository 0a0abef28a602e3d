package dev.switchboard.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
}
