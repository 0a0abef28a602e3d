package dev.switchboard.logging;

import dev.switchboard.config.PayloadLogConfig;
import dev.switchboard.config.PayloadMode;
import dev.switchboard.config.LogFile;
import dev.switchboard.config.Secrets;
import dev.switchboard.metrics.GatewayMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PayloadWriterTest {
  @TempDir
  Path dir;

  private PayloadLogConfig config(int queue) {
    return new PayloadLogConfig(PayloadMode.ALL, Map.of(), Map.of(), List.of(), 4096,
        new LogFile(dir.resolve("p.jsonl").toString(), 1 << 20, 7, 1 << 30), queue);
  }

  private static PayloadRecord record(String id) {
    return new PayloadRecord(id, "team-a", "m1", "up", 200, null, false,
        Buffer.buffer("{\"model\":\"m1\"}"), "{\"ok\":true}".getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void aFullQueueDropsRecordsAndCountsThemInTheMetric() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GatewayMetrics metrics = new GatewayMetrics(registry);
    Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    PayloadWriter writer = new PayloadWriter(config(2), Secrets.none(), metrics::payloadLogDropped, clock, false);

    for (int i = 0; i < 5; i++) {
      writer.offer(record("req-" + i));
    }
    assertThat(registry.get(GatewayMetrics.PAYLOAD_LOG_DROPPED).counter().count()).isEqualTo(3.0);

    writer.start();
    writer.close();
    List<String> lines = Files.readAllLines(dir.resolve("p.jsonl"));
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("\"ts\":\"2026-01-02T03:04:05Z\"", "\"request_id\":\"req-0\"");
    assertThat(lines.get(1)).contains("\"request_id\":\"req-1\"");
  }

  @Test
  void recordsHoldingMoreBytesThanTheQueueMayKeepAreDropped() {
    int[] dropped = {0};
    PayloadWriter writer = new PayloadWriter(config(100), Secrets.none(), () -> dropped[0]++, Clock.systemUTC(),
        false);
    PayloadRecord huge = new PayloadRecord("big", "team-a", "m1", "up", 200, null, false,
        Buffer.buffer(new byte[(int) PayloadWriter.MAX_QUEUED_BYTES]), new byte[1], false);

    writer.offer(huge);
    writer.offer(record("small"));

    assertThat(dropped[0]).isEqualTo(1);
    writer.start();
    writer.close();
  }
}
