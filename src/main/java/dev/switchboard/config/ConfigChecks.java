package dev.switchboard.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The checks and small readers several config sections share: durations, choices, limits, budgets, hints. */
final class ConfigChecks {
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
  static final long MB = 1024L * 1024;

  private ConfigChecks() {
  }

  /** An optional {@code budget: {daily, weekly, monthly}} under {@code n}. */
  static Budget budget(ConfigNode n) {
    if (!n.has("budget")) {
      return Budget.NONE;
    }
    ConfigNode b = n.object("budget");
    Budget budget = new Budget(b.decimal("daily", 0, 0, 1e12), b.decimal("weekly", 0, 0, 1e12),
        b.decimal("monthly", 0, 0, 1e12));
    b.rejectUnknown();
    return budget;
  }

  /** rpm / tpm with optional bursts; the caller rejects unknown fields (its node may hold more). */
  static Limits limits(ConfigNode n) {
    long rpm = n.integer("rpm", 0, 0, 100_000_000);
    long tpm = n.integer("tpm", 0, 0, 100_000_000_000L);
    long burstRequests = n.integer("burst_requests", rpm, 0, 100_000_000);
    long burstTokens = n.integer("burst_tokens", tpm, 0, 100_000_000_000L);
    if (rpm > 0 && burstRequests < 1) {
      n.problem("burst_requests", "must be at least 1 when rpm is set");
    }
    if (tpm > 0 && burstTokens < 1) {
      n.problem("burst_tokens", "must be at least 1 when tpm is set");
    }
    return rpm == 0 && tpm == 0 ? Limits.NONE : new Limits(rpm, tpm, burstRequests, burstTokens);
  }

  /** One of an enum's values by its lower-case name. */
  static <E extends Enum<E>> E choice(ConfigNode n, String key, E[] values, E def) {
    String given = n.string(key, def.name().toLowerCase(Locale.ROOT)).trim();
    if (given.equals("false")) {
      // YAML 1.1 reads an unquoted `off` as false.
      given = "off";
    }
    List<String> names = new ArrayList<>();
    for (E e : values) {
      String name = e.name().toLowerCase(Locale.ROOT);
      if (name.equals(given.toLowerCase(Locale.ROOT))) {
        return e;
      }
      names.add(name);
    }
    n.problem(key, "must be one of " + String.join(", ", names) + ", got \"" + given + "\"");
    return def;
  }

  static String printable(URI uri) {
    if (uri.getHost() == null) {
      return uri.getScheme() == null ? "(no scheme)" : uri.getScheme() + ":…";
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  static void positive(ConfigNode n, String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      n.problem(key, "must be longer than 0");
    }
  }

  static String envHint(String raw) {
    if (raw == null) {
      return "";
    }
    Matcher m = ENV_REF.matcher(raw);
    return m.find() ? " (set " + m.group(1) + ")" : "";
  }
}
