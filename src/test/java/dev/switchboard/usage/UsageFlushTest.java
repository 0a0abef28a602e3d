package dev.switchboard.usage;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.UsageConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** When queued ledger rows are written: every flush interval, or as soon as a batch's worth is waiting. */
class UsageFlushTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir
  Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private UsageService started(Duration flushInterval) {
    UsageConfig config = new UsageConfig(dir.toString(), true, ZoneOffset.UTC, Duration.ofDays(90), flushInterval,
        0.8);
    ProviderRegistry providers = new ProviderRegistry(ConfigLoader.fromYaml("""
        providers:
          p: {base_url: "http://127.0.0.1:1/v1", models: [m]}
        """, Map.of()));
    UsageService usage = new UsageService(vertx, config, new BudgetWindows(Clock.systemUTC(), ZoneOffset.UTC),
        new ClientKeys(List.of()), providers, new GatewayMetrics(new SimpleMeterRegistry()));
    vertx.deployVerticle(new UsageVerticle(usage)).await();
    return usage;
  }

  private static LedgerRow row(int i) {
    return new LedgerRow(1_765_000_000_000L + i, "req-" + i, null, "p", "m", 10, 10, 0, 0.001, 5, 5, 200, false,
        "p:200", false);
  }

  private static long stored(UsageService usage) {
    return usage.query(Ledger::count).await();
  }

  @Test
  void aBatchsWorthOfRowsIsWrittenWithoutWaitingForTheInterval() {
    UsageService usage = started(Duration.ofHours(1));
    for (int i = 0; i < UsageVerticle.FLUSH_ROWS + 44; i++) {
      usage.record(row(i));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> usage.queued() == 0);
    assertThat(stored(usage)).isEqualTo(UsageVerticle.FLUSH_ROWS + 44);
  }

  @Test
  void fewRowsAreWrittenWhenTheIntervalIsUp() {
    UsageService usage = started(Duration.ofMillis(300));
    for (int i = 0; i < 3; i++) {
      usage.record(row(i));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> usage.queued() == 0);
    assertThat(stored(usage)).isEqualTo(3);
  }
}
