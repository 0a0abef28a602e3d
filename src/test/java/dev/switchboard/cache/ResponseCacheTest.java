package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.api.Usage;
import dev.switchboard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.cache.CacheTesting.cacheConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory tier on its own: byte bound, eviction order, TTL and age with an injected clock. */
class ResponseCacheTest {
  private static final long T0 = 1_700_000_000_000L;
  private static Vertx vertx;
  private final FakeClock ticker = new FakeClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ResponseCache cache(CacheConfig config) {
    return new ResponseCache(vertx, config, new GatewayMetrics(registry), ticker, T0);
  }

  private static CachedReply json(ResponseCache cache, int bytes, long ttlMillis) {
    long now = cache.nowMillis();
    return new CachedReply(200, "application/json", new byte[bytes], null, new Usage(3, 4, 7, 0), "up", "gpt-real",
        now, now + ttlMillis);
  }

  private double evictions(String cause) {
    var c = registry.find("switchboard_cache_evictions").tag("cause", cause).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void entriesExpireOnTheInjectedClockAndReportTheirAge() {
    ResponseCache cache = cache(CacheConfig.DEFAULT);
    cache.put("k", json(cache, 10, 10_000));
    ticker.advanceSeconds(9);
    CachedReply e = cache.peek("k");
    assertThat(e).isNotNull();
    assertThat(e.ageSeconds(cache.nowMillis())).isEqualTo(9);
    ticker.advanceSeconds(2);
    assertThat(cache.peek("k")).isNull();
    cache.maintain();
    assertThat(cache.describe().getLong("entries")).isZero();
    assertThat(evictions("expired")).isEqualTo(1);
  }

  @Test
  void eachEntryKeepsItsOwnTtl() {
    ResponseCache cache = cache(CacheConfig.DEFAULT);
    cache.put("short", json(cache, 10, 5_000));
    cache.put("long", json(cache, 10, 600_000));
    ticker.advanceSeconds(60);
    assertThat(cache.peek("short")).isNull();
    assertThat(cache.peek("long")).isNotNull();
    // Reading does not extend an entry's life.
    ticker.advanceSeconds(541);
    assertThat(cache.peek("long")).isNull();
  }

  @Test
  void memoryIsBoundedByBytesNotEntries() {
    ResponseCache cache = cache(cacheConfig("{max_size: 20kb, max_entry_size: 4kb}"));
    for (int i = 0; i < 100; i++) {
      cache.put("k" + i, json(cache, 1_000, 60_000));
    }
    cache.maintain();
    long bytes = cache.bytes();
    assertThat(bytes).isLessThanOrEqualTo(20 * 1024).isGreaterThan(10 * 1024);
    long entries = cache.describe().getLong("entries");
    assertThat(entries * (1_000 + CachedReply.OVERHEAD_BYTES)).isEqualTo(bytes);
    assertThat(evictions("size")).isEqualTo(100 - entries);
    assertThat(cache.describe().getLong("evictions")).isEqualTo(100 - entries);

    // The same bound holds many more small entries.
    ResponseCache small = cache(cacheConfig("{max_size: 20kb, max_entry_size: 4kb}"));
    for (int i = 0; i < 100; i++) {
      small.put("k" + i, json(small, 10, 60_000));
    }
    small.maintain();
    assertThat(small.describe().getLong("entries")).isGreaterThan(entries * 3);
  }

  @Test
  void entriesReadOftenOutliveOneOffEntries() {
    ResponseCache cache = cache(cacheConfig("{max_size: 20kb, max_entry_size: 4kb}"));
    cache.put("popular", json(cache, 1_000, 60_000));
    for (int i = 0; i < 200; i++) {
      assertThat(cache.peek("popular")).isNotNull();
      cache.put("once-" + i, json(cache, 1_000, 60_000));
    }
    cache.maintain();
    assertThat(cache.peek("popular")).as("a hot entry survives a stream of one-off entries").isNotNull();
    assertThat(cache.peek("once-0")).as("an early one-off entry is evicted").isNull();
    assertThat(cache.bytes()).isLessThanOrEqualTo(20 * 1024);
  }

  @Test
  void clearEmptiesTheMemoryTier() throws Exception {
    ResponseCache cache = cache(CacheConfig.DEFAULT);
    cache.put("a", json(cache, 10, 60_000));
    cache.put("b", json(cache, 10, 60_000));
    var cleared = cache.clear().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(cleared.getLong("memory_entries")).isEqualTo(2);
    assertThat(cache.peek("a")).isNull();
    assertThat(cache.bytes()).isZero();
    assertThat(evictions("size") + evictions("expired")).as("clearing is not eviction").isZero();
  }

  @Test
  void metersShowSize() {
    ResponseCache cache = cache(CacheConfig.DEFAULT);
    cache.put("a", json(cache, 1_000, 60_000));
    assertThat(registry.get("switchboard_cache_bytes").gauge().value()).isEqualTo(1_000 + CachedReply.OVERHEAD_BYTES);
    assertThat(registry.get("switchboard_cache_entries").gauge().value()).isEqualTo(1);
  }

  @Test
  void streamEntriesKeepTheirEventsApartAndInOrder() {
    byte[] data = "{\"a\":1}{\"b\":2}{\"c\":3}".getBytes(StandardCharsets.UTF_8);
    CachedReply e = new CachedReply(200, null, data, new int[] {7, 14, 21}, Usage.NONE, "up", "m", T0, T0 + 1);
    assertThat(e.stream()).isTrue();
    assertThat(e.events()).extracting(b -> b.toString(StandardCharsets.UTF_8))
        .containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    assertThat(e.weight()).isEqualTo(21 + 12 + CachedReply.OVERHEAD_BYTES);
  }
}
