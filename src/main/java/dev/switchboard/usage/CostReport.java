package dev.switchboard.usage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rows of the cost report ({@code /admin/usage/costs}), the same whichever store answers it (SQLite
 * {@link Ledger}, {@link PostgresLedgerStore}): which ledger column a grouping reads, one row per group, and the days
 * in the gateway's zone — grouped here, not in SQL, so the zone is the gateway's, not the database's.
 */
final class CostReport {
  private CostReport() {
  }

  /** The ledger column a {@code groupBy} reads; null for {@code day}, which {@link Days} groups. */
  static String column(String groupBy) {
    return switch (groupBy) {
      case "provider" -> "provider";
      case "model" -> "model";
      case "key" -> "key_name";
      case "user" -> "end_user";
      case "day" -> null;
      default -> throw new IllegalArgumentException(groupBy);
    };
  }

  /** One group's row: its value under the grouping's own name, cost rounded to a millionth. */
  static JsonObject group(String groupBy, String value, double cost, long promptTokens, long completionTokens,
                          long requests) {
    return new JsonObject().put(groupBy, value).put("cost", round(cost)).put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens).put("requests", requests);
  }

  static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  /** Ledger rows summed per day, each day also with its cost per provider ({@code by_provider}, the trend chart). */
  static final class Days {
    private final ZoneId zone;
    private final TreeMap<String, double[]> days = new TreeMap<>();
    private final Map<String, TreeMap<String, Double>> perProvider = new HashMap<>();

    Days(ZoneId zone) {
      this.zone = zone;
    }

    void add(long atMillis, double cost, long promptTokens, long completionTokens, String provider) {
      String day = Instant.ofEpochMilli(atMillis).atZone(zone).toLocalDate().toString();
      double[] acc = days.computeIfAbsent(day, d -> new double[4]);
      acc[0] += cost;
      acc[1] += promptTokens;
      acc[2] += completionTokens;
      acc[3]++;
      if (provider != null) {
        perProvider.computeIfAbsent(day, d -> new TreeMap<>()).merge(provider, cost, Double::sum);
      }
    }

    /** The days in order, oldest first. */
    JsonArray rows() {
      JsonArray out = new JsonArray();
      days.forEach((day, acc) -> {
        JsonObject byProvider = new JsonObject();
        perProvider.getOrDefault(day, new TreeMap<>()).forEach((id, c) -> byProvider.put(id, round(c)));
        out.add(new JsonObject().put("day", day).put("cost", round(acc[0])).put("prompt_tokens", (long) acc[1])
            .put("completion_tokens", (long) acc[2]).put("requests", (long) acc[3]).put("by_provider", byProvider));
      });
      return out;
    }
  }
}
