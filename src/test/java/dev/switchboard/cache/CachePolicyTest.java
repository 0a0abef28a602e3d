package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.ConfigException;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import org.junit.jupiter.api.Test;

import static dev.switchboard.cache.CacheTesting.cacheConfig;
import static dev.switchboard.cache.CacheTesting.request;
import static dev.switchboard.cache.CacheTesting.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Modes, the deterministic-only default, and the request's own headers. */
class CachePolicyTest {
  private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
  private final CachePolicy defaults = new CachePolicy(CacheConfig.DEFAULT);

  private static GatewayRequest chat(String fields) {
    return request(Endpoint.CHAT, "{\"model\":\"gpt-real\"," + fields + MESSAGES + "}");
  }

  private static CachePlan plan(CachePolicy policy, GatewayRequest r, String cacheControl, String ttl) {
    return policy.plan(r, route("gpt-real"), cacheControl, ttl);
  }

  @Test
  void byDefaultOnlyDeterministicRequestsAndEmbeddingsAreCached() {
    assertThat(plan(defaults, chat("\"temperature\":0,"), null, null)).isNotNull();
    assertThat(plan(defaults, chat("\"temperature\":0.0,"), null, null)).isNotNull();
    assertThat(plan(defaults, chat("\"seed\":42,\"temperature\":0.9,"), null, null)).isNotNull();
    assertThat(plan(defaults, chat("\"temperature\":0.7,"), null, null)).isNull();
    assertThat(plan(defaults, chat(""), null, null)).as("default temperature is 1").isNull();
    assertThat(plan(defaults, request(Endpoint.EMBEDDINGS, "{\"model\":\"gpt-real\",\"input\":\"x\"}"), null, null))
        .isNotNull();
    assertThat(plan(defaults, request(Endpoint.COMPLETIONS, "{\"model\":\"gpt-real\",\"prompt\":\"x\",\"temperature\":0}"),
        null, null)).isNotNull();
  }

  @Test
  void imagesAndSpeechAreNeverCached() {
    CachePolicy all = new CachePolicy(cacheConfig("mode: all"));
    assertThat(plan(all, request(Endpoint.IMAGES, "{\"prompt\":\"a cat\"}"), null, null)).isNull();
    assertThat(plan(all, request(Endpoint.SPEECH, "{\"model\":\"gpt-real\",\"input\":\"hi\",\"voice\":\"alloy\"}"),
        null, null)).isNull();
  }

  @Test
  void modeAllCachesSampledRequestsAndModeOffNothing() {
    assertThat(plan(new CachePolicy(cacheConfig("mode: all")), chat("\"temperature\":0.7,"), null, null)).isNotNull();
    // Unquoted `off` is YAML's false; both spellings switch the cache off.
    for (String off : new String[] {"mode: off", "mode: \"off\""}) {
      assertThat(plan(new CachePolicy(cacheConfig(off)), chat("\"temperature\":0,"), null, null)).isNull();
    }
  }

  @Test
  void planCarriesTheStreamFlagAndDefaultTtl() {
    CachePlan p = plan(defaults, chat("\"temperature\":0,\"stream\":true,"), null, null);
    assertThat(p.stream()).isTrue();
    assertThat(p.read()).isTrue();
    assertThat(p.write()).isTrue();
    assertThat(p.ttlMillis()).isEqualTo(3_600_000);
    assertThat(p.endpoint()).isEqualTo("chat");
  }

  @Test
  void noCacheSkipsTheReadButStillWritesAndNoStoreBypassesBoth() {
    GatewayRequest r = chat("\"temperature\":0,");
    CachePlan noCache = plan(defaults, r, "no-cache", null);
    assertThat(noCache.read()).isFalse();
    assertThat(noCache.write()).isTrue();
    assertThat(plan(defaults, r, "max-age=0", null).read()).isFalse();
    assertThat(plan(defaults, r, "No-Store", null)).isNull();
    assertThat(plan(defaults, r, "no-cache, no-store", null)).isNull();
    assertThat(plan(defaults, r, "max-age=60", null).read()).isTrue();
  }

  @Test
  void ttlHeaderSetsTheEntryLifetimeCappedByMaxTtl() {
    GatewayRequest r = chat("\"temperature\":0,");
    assertThat(plan(defaults, r, null, "600").ttlMillis()).isEqualTo(600_000);
    assertThat(plan(defaults, r, null, " 5 ").ttlMillis()).isEqualTo(5_000);
    assertThat(plan(defaults, r, null, "999999999").ttlMillis()).isEqualTo(24 * 3_600_000L);
    CachePlan zero = plan(defaults, r, null, "0");
    assertThat(zero.read()).isTrue();
    assertThat(zero.write()).as("ttl 0: read, but do not store").isFalse();
    assertThat(plan(defaults, r, "no-cache", "0")).as("neither read nor write").isNull();
  }

  @Test
  void malformedTtlHeaderIsTheClientsError() {
    for (String bad : new String[] {"ten", "-5", "1.5", ""}) {
      assertThatThrownBy(() -> plan(defaults, chat("\"temperature\":0,"), null, bad))
          .isInstanceOf(ApiException.class)
          .satisfies(e -> assertThat(((ApiException) e).error().code()).isEqualTo("invalid_cache_ttl"))
          .satisfies(e -> assertThat(((ApiException) e).error().status()).isEqualTo(400));
    }
  }

  @Test
  void tenantsHaveTheirOwnKeysUnlessShared() {
    String body = "{\"model\":\"gpt-real\",\"temperature\":0," + MESSAGES + "}";
    GatewayRequest a = request(Endpoint.CHAT, body, "team-a", null);
    GatewayRequest b = request(Endpoint.CHAT, body, "team-b", null);
    assertThat(plan(defaults, a, null, null).key()).isNotEqualTo(plan(defaults, b, null, null).key());
    CachePolicy shared = new CachePolicy(cacheConfig("shared: true"));
    assertThat(plan(shared, a, null, null).key()).isEqualTo(plan(shared, b, null, null).key());
  }

  @Test
  void configIsValidatedByFieldPath() {
    assertThatThrownBy(() -> cacheConfig("""
        mode: sometimes
        backend: memcached
        max_size: lots
        ttl: 0
        replay_interval: 1m
        colour: blue
        redis: {url: "http://x", timeout: 0, max_connections: 0, port: 1}
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache.mode: must be one of off, deterministic, all, got \"sometimes\"")
        .hasMessageContaining("cache.backend: must be one of memory, redis")
        .hasMessageContaining("cache.max_size: must be a size")
        .hasMessageContaining("cache.ttl: must be longer than 0")
        .hasMessageContaining("cache.replay_interval: must be at most 10s")
        .hasMessageContaining("cache.colour: unknown field")
        .hasMessageContaining("cache.redis.url: must be a redis://host:port")
        .hasMessageContaining("cache.redis.timeout: must be longer than 0")
        .hasMessageContaining("cache.redis.max_connections: must be between 1 and 1000")
        .hasMessageContaining("cache.redis.port: unknown field");
    assertThatThrownBy(() -> cacheConfig("{max_size: 1mb, max_entry_size: 2mb}"))
        .hasMessageContaining("cache.max_entry_size: must not be larger than max_size (1048576 bytes)");
  }

  @Test
  void configDefaultsAndValues() {
    CacheConfig d = cacheConfig("{}");
    assertThat(d).isEqualTo(CacheConfig.DEFAULT);
    CacheConfig c = cacheConfig("""
        mode: all
        backend: redis
        max_size: 10mb
        max_entry_size: 64kb
        ttl: 10m
        max_ttl: 1h
        shared: true
        cache_truncated: true
        coalesce: false
        replay_interval: 5ms
        redis: {url: "redis://cache.internal:6380/2", user: sb, password: pw, key_prefix: "sb:", timeout: 50ms}
        """);
    assertThat(c.mode()).isEqualTo(CacheConfig.Mode.ALL);
    assertThat(c.redisEnabled()).isTrue();
    assertThat(c.maxBytes()).isEqualTo(10L << 20);
    assertThat(c.maxEntryBytes()).isEqualTo(64L << 10);
    assertThat(c.ttl().toMinutes()).isEqualTo(10);
    assertThat(c.maxTtl().toHours()).isEqualTo(1);
    assertThat(c.shared()).isTrue();
    assertThat(c.cacheTruncated()).isTrue();
    assertThat(c.coalesce()).isFalse();
    assertThat(c.replayInterval().toMillis()).isEqualTo(5);
    assertThat(c.redis().url()).isEqualTo("redis://cache.internal:6380/2");
    assertThat(c.redis().user()).isEqualTo("sb");
    assertThat(c.redis().password().reveal()).isEqualTo("pw");
    assertThat(c.redis().toString()).doesNotContain("pw");
    assertThat(c.redis().keyPrefix()).isEqualTo("sb:");
    assertThat(c.redis().timeout().toMillis()).isEqualTo(50);
  }
}
