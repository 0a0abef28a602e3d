package dev.switchboard.health;

import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each provider's health transitions over the last {@value #KEEP_DAYS} days, and its uptime over 24 h, 7 d and 30 d
 * from them: the share of the time its state was known (healthy or degraded: up; down: down) that it was up. Time in
 * maintenance, unknown (not probed yet, probes stale) or while the gateway was not running counts neither way.
 * Persisted by {@link UptimeStore} so a restart keeps it. Thread-safe: each provider's list is an immutable value
 * replaced on a transition (rare), read without locks.
 */
public final class UptimeHistory {
  static final int KEEP_DAYS = 31;
  /** A provider flapping all month still costs bounded memory: the oldest changes go first. */
  static final int MAX_CHANGES = 20_000;
  private static final Map<String, Duration> PERIODS = new java.util.LinkedHashMap<>(Map.of());

  static {
    PERIODS.put("24h", Duration.ofHours(24));
    PERIODS.put("7d", Duration.ofDays(7));
    PERIODS.put("30d", Duration.ofDays(30));
  }

  /** @param up 1 up, 0 down, -1 not counted */
  public record Change(long atMillis, int up) {
  }

  private final Clock clock;
  private final Map<String, List<Change>> changes = new ConcurrentHashMap<>();

  public UptimeHistory(Clock clock) {
    this.clock = clock;
  }

  public Clock clock() {
    return clock;
  }

  static int upOf(String state) {
    return switch (state) {
      case "healthy", "degraded" -> 1;
      case "down" -> 0;
      default -> -1;
    };
  }

  /** A transition to {@code state} (a {@link ProviderHealth.State} label, or "unknown" for a gateway start or stop). */
  public Change record(String provider, long atMillis, String state) {
    Change c = new Change(atMillis, upOf(state));
    changes.compute(provider, (k, old) -> {
      List<Change> next = new ArrayList<>(old == null ? List.of() : old);
      next.add(c);
      next.sort(java.util.Comparator.comparingLong(Change::atMillis));
      long horizon = clock.millis() - Duration.ofDays(KEEP_DAYS).toMillis();
      // Keep the last change before the horizon: it says what the state was when the oldest window began.
      while (next.size() > 1 && (next.get(1).atMillis() <= horizon || next.size() > MAX_CHANGES)) {
        next.remove(0);
      }
      return List.copyOf(next);
    });
    return c;
  }

  /** The share of known time in the last {@code period} that the provider was up, -1 when none was known. */
  public double uptime(String provider, Duration period) {
    List<Change> list = changes.getOrDefault(provider, List.of());
    long now = clock.millis();
    long start = now - period.toMillis();
    long up = 0;
    long known = 0;
    for (int i = 0; i < list.size(); i++) {
      Change c = list.get(i);
      long from = Math.max(start, c.atMillis());
      long to = Math.min(now, i + 1 < list.size() ? list.get(i + 1).atMillis() : now);
      if (to <= from || c.up() < 0) {
        continue;
      }
      known += to - from;
      up += c.up() * (to - from);
    }
    return known == 0 ? -1 : (double) up / known;
  }

  /** Per provider: uptime over 24 h, 7 d and 30 d (null when unknown) and the known time behind each. */
  public JsonObject describe(Iterable<String> providers) {
    JsonObject out = new JsonObject();
    for (String p : providers) {
      JsonObject o = new JsonObject();
      PERIODS.forEach((name, period) -> {
        double u = uptime(p, period);
        o.put(name, u < 0 ? null : Math.round(u * 100_000) / 1000.0);
      });
      out.put(p, o);
    }
    return new JsonObject().put("unit", "percent").put("providers", out);
  }
}
