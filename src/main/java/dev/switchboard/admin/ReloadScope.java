package dev.switchboard.admin;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.HealthConfig;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.SwitchboardConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which changed settings a reload applies to the running gateway and which only a restart can: the table the README's
 * reload section documents. Live: {@code providers}, {@code models}, {@code routing}, {@code auth.keys}, the
 * {@code ratelimit} limits ({@code default_key_limits}, {@code fail_open}, {@code queue_max_wait}),
 * {@code logging.level}, the health probes' intervals and thresholds and the cache's mode and TTLs. Everything else is read when a listener, a backend or a background service starts.
 */
final class ReloadScope {
  private static final String LATER = ": changed; takes effect at the next restart";

  private ReloadScope() {
  }

  /** The sections (or fields) applied live that differ between {@code running} and {@code next}. */
  static List<String> applied(SwitchboardConfig running, SwitchboardConfig next) {
    List<String> out = new ArrayList<>();
    if (!running.routing().equals(next.routing())) {
      out.add("routing");
    }
    if (!running.auth().keys().equals(next.auth().keys())) {
      out.add("auth.keys");
    }
    if (!liveLimits(running.ratelimit()).equals(liveLimits(next.ratelimit()))) {
      out.add("ratelimit");
    }
    if (!running.logging().level().equals(next.logging().level())) {
      out.add("logging.level");
    }
    if (!liveHealth(running.health()).equals(liveHealth(next.health()))) {
      out.add("health");
    }
    if (!liveCache(running.cache()).equals(liveCache(next.cache()))) {
      out.add("cache");
    }
    return out;
  }

  /** What differs from the config the gateway started with but is only read at start. */
  static List<String> restartNeeded(SwitchboardConfig started, SwitchboardConfig next) {
    List<String> out = new ArrayList<>();
    if (!started.server().equals(next.server())) {
      out.add("server" + LATER);
    }
    if (!Objects.equals(started.auth().adminKey(), next.auth().adminKey())) {
      out.add("auth.admin_key" + LATER);
    }
    if (started.logging().accessLog() != next.logging().accessLog()) {
      out.add("logging.access_log" + LATER);
    }
    if (!startOnly(started.ratelimit()).equals(startOnly(next.ratelimit()))) {
      out.add("ratelimit (backend, redis, queue_max_length, default_completion_tokens, leases)" + LATER);
    }
    if (!startOnly(started.health()).equals(startOnly(next.health()))) {
      out.add("health (enabled, stale_after, ready_requires)" + LATER);
    }
    if (!startOnly(started.cache()).equals(startOnly(next.cache()))) {
      out.add("cache (backend, max_bytes, max_entry_bytes, redis, serve_stale_on_error)" + LATER);
    }
    Object[][] sections = {{"usage", started.usage(), next.usage()}, {"metrics", started.metrics(), next.metrics()},
        {"responses", started.responses(), next.responses()}, {"config", started.reload(), next.reload()},
        {"telemetry", started.telemetry(), next.telemetry()}, {"status", started.status(), next.status()}};
    for (Object[] s : sections) {
      if (!Objects.equals(s[1], s[2])) {
        out.add(s[0] + LATER);
      }
    }
    return out;
  }

  private static List<Object> liveHealth(HealthConfig h) {
    return List.of(h.interval(), h.timeout(), h.jitter(), h.downInterval(), h.downAfter(), h.recoverAfter(),
        h.degradedLatency(), h.degradedErrorRate());
  }

  private static List<Object> startOnly(HealthConfig h) {
    return List.of(h.enabled(), h.staleAfter(), h.readyRequires());
  }

  private static List<Object> liveCache(CacheConfig c) {
    return List.of(c.mode(), c.ttl(), c.maxTtl(), c.shared(), c.cacheTruncated(), c.coalesce(), c.coalesceWait(),
        c.replayInterval());
  }

  private static List<Object> startOnly(CacheConfig c) {
    return List.of(c.backend(), c.maxBytes(), c.maxEntryBytes(), c.redis(), c.stale());
  }

  private static List<Object> liveLimits(RateLimitConfig r) {
    return List.of(r.defaultKeyLimits(), r.failOpen(), r.queueMaxWait());
  }

  /** The ratelimit section with its live fields at fixed values, to compare what only a restart applies. */
  private static RateLimitConfig startOnly(RateLimitConfig r) {
    RateLimitConfig d = RateLimitConfig.DEFAULT;
    return new RateLimitConfig(r.backend(), r.redisUrl(), d.failOpen(), r.keyPrefix(), r.redisTimeout(),
        d.defaultKeyLimits(), d.queueMaxWait(), r.queueMaxLength(), r.defaultCompletionTokens(), r.redisHeartbeat(),
        r.leaseFraction(), r.leaseTtl());
  }
}
