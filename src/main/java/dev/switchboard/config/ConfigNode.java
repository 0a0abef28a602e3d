package dev.switchboard.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A path-aware view of one object in the raw config tree. Every getter records a problem naming the field's
 * full path instead of throwing, so one start-up reports every mistake at once; unknown keys are problems too,
 * because a misspelt key silently ignored is the worst kind of config bug.
 */
final class ConfigNode {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(b|kb|k|mb|m|gb|g)?", Pattern.CASE_INSENSITIVE);
  /** Longer timeouts are a mistake, and far longer ones overflow nanosecond arithmetic. */
  static final Duration MAX_DURATION = Duration.ofDays(7);

  private final String path;
  private final JsonObject json;
  private final List<String> problems;
  private final Interpolator interpolator;
  private final Set<String> seen = new HashSet<>();

  ConfigNode(String path, JsonObject json, List<String> problems, Interpolator interpolator) {
    this.path = path;
    this.json = json == null ? new JsonObject() : json;
    this.problems = problems;
    this.interpolator = interpolator;
  }

  String path() {
    return path;
  }

  String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    seen.add(key);
    return json.containsKey(key) && json.getValue(key) != null;
  }

  /** This node's mapping as written (values not interpolated), for settings passed on verbatim. */
  JsonObject json() {
    return json.copy();
  }

  /** Whether the value under {@code key} is a mapping (for settings that take a number or a table). */
  boolean isMapping(String key) {
    return json.getValue(key) instanceof JsonObject;
  }

  /** The value exactly as written in the file, before interpolation (to name the variable it refers to). */
  String rawUninterpolated(String key) {
    Object v = json.getValue(key);
    return v instanceof String s ? s : null;
  }

  void problem(String key, String message) {
    problems.add(pathOf(key) + ": " + message);
  }

  /** The raw value with strings interpolated, or null. */
  private Object raw(String key) {
    seen.add(key);
    if (json.getMap().get(key) instanceof java.time.Instant date) {
      // An unquoted 2023-06-01 is a YAML date: give the text as written, not an instant at midnight.
      return date.equals(date.truncatedTo(java.time.temporal.ChronoUnit.DAYS))
          ? date.atZone(java.time.ZoneOffset.UTC).toLocalDate().toString() : date.toString();
    }
    Object v = json.getValue(key);
    if (v instanceof String s) {
      return interpolator.interpolate(pathOf(key), s, problems);
    }
    return v;
  }

  String string(String key, String def) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    problem(key, "must be a string, got " + describe(v));
    return def;
  }

  String requiredString(String key) {
    String v = string(key, null);
    if (v == null || v.isBlank()) {
      if (!problems.isEmpty() && problems.get(problems.size() - 1).startsWith(pathOf(key) + ":")) {
        return "";
      }
      problem(key, "is required");
      return "";
    }
    return v;
  }

  boolean bool(String key, boolean def) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      String t = s.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty()) {
        return def;
      }
      if (t.equals("true") || t.equals("yes") || t.equals("on")) {
        return true;
      }
      if (t.equals("false") || t.equals("no") || t.equals("off")) {
        return false;
      }
    }
    problem(key, "must be true or false, got " + describe(v));
    return def;
  }

  long integer(String key, long def, long min, long max) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    long n;
    if (v instanceof Number num && (v instanceof Integer || v instanceof Long)) {
      n = num.longValue();
    } else if (v instanceof String s && s.trim().matches("-?\\d{1,18}")) {
      n = Long.parseLong(s.trim());
    } else if (v instanceof String s && s.trim().isEmpty()) {
      return def;
    } else {
      problem(key, "must be an integer, got " + describe(v));
      return def;
    }
    if (n < min || n > max) {
      problem(key, "must be between " + min + " and " + max + ", got " + n);
      return def;
    }
    return n;
  }

  double decimal(String key, double def, double min, double max) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    double d;
    if (v instanceof Number num) {
      d = num.doubleValue();
    } else {
      try {
        d = Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        problem(key, "must be a number, got " + describe(v));
        return def;
      }
    }
    if (!(d >= min && d <= max)) {
      problem(key, "must be between " + min + " and " + max + ", got " + d);
      return def;
    }
    return d;
  }

  /** Byte sizes: a plain integer (bytes) or 512kb, 10mb, 1gb. */
  long size(String key, long def, long min, long max) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    String text = v.toString().trim();
    Matcher m = SIZE.matcher(text);
    if (!(v instanceof Number || v instanceof String) || !m.matches()) {
      problem(key, "must be a size such as 1048576, 512kb or 10mb, got " + describe(v));
      return def;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long mult = switch (unit) {
      case "kb", "k" -> 1024L;
      case "mb", "m" -> 1024L * 1024;
      case "gb", "g" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    long bytes;
    try {
      bytes = Math.multiplyExact(n, mult);
    } catch (ArithmeticException e) {
      problem(key, "is too large, got " + text);
      return def;
    }
    if (bytes < min || bytes > max) {
      problem(key, "must be between " + min + " and " + max + " bytes, got " + text);
      return def;
    }
    return bytes;
  }

  /** Durations need a unit (250ms, 30s, 5m, 1h): a bare number is ambiguous, so it is refused. */
  Duration duration(String key, Duration def) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    String text = v.toString().trim();
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      problem(key, "must be a duration with a unit such as 250ms, 30s, 5m or 1h, got " + describe(v));
      return def;
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
    if (d.compareTo(MAX_DURATION) > 0) {
      problem(key, "must be at most 7 days (168h), got " + text);
      return def;
    }
    return d;
  }

  ConfigNode object(String key) {
    seen.add(key);
    Object v = json.getValue(key);
    if (v == null) {
      return new ConfigNode(pathOf(key), new JsonObject(), problems, interpolator);
    }
    if (v instanceof JsonObject o) {
      return new ConfigNode(pathOf(key), o, problems, interpolator);
    }
    problem(key, "must be a mapping, got " + describe(v));
    return new ConfigNode(pathOf(key), new JsonObject(), problems, interpolator);
  }

  /** Entries of a mapping whose keys are names (providers, models), in file order. */
  Map<String, ConfigNode> namedObjects(String key) {
    ConfigNode holder = object(key);
    Map<String, ConfigNode> out = new LinkedHashMap<>();
    for (String name : holder.json.fieldNames()) {
      holder.seen.add(name);
      Object v = holder.json.getValue(name);
      if (v instanceof JsonObject o) {
        out.put(name, new ConfigNode(holder.pathOf(name), o, problems, interpolator));
      } else if (v == null) {
        out.put(name, new ConfigNode(holder.pathOf(name), new JsonObject(), problems, interpolator));
      } else {
        holder.problem(name, "must be a mapping, got " + describe(v));
      }
    }
    return out;
  }

  List<Object> list(String key) {
    seen.add(key);
    Object v = json.getValue(key);
    if (v == null) {
      return List.of();
    }
    if (v instanceof JsonArray a) {
      List<Object> out = new ArrayList<>(a.size());
      for (int i = 0; i < a.size(); i++) {
        Object item = a.getValue(i);
        out.add(item instanceof String s ? interpolator.interpolate(pathOf(key) + "[" + i + "]", s, problems) : item);
      }
      return out;
    }
    problem(key, "must be a list, got " + describe(v));
    return List.of();
  }

  List<String> stringList(String key) {
    List<Object> items = list(key);
    List<String> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (item instanceof String s || item instanceof Number) {
        out.add(item.toString());
      } else {
        problems.add(pathOf(key) + "[" + i + "]: must be a string, got " + describe(item));
      }
    }
    return out;
  }

  ConfigNode element(String key, int index, Object item) {
    String p = pathOf(key) + "[" + index + "]";
    if (item instanceof JsonObject o) {
      return new ConfigNode(p, o, problems, interpolator);
    }
    problems.add(p + ": must be a mapping, got " + describe(item));
    return new ConfigNode(p, new JsonObject(), problems, interpolator);
  }

  Map<String, String> stringMap(String key) {
    ConfigNode holder = object(key);
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : holder.json.fieldNames()) {
      String v = holder.string(name, null);
      if (v != null) {
        out.put(name, v);
      }
    }
    return out;
  }

  /** Call after reading a node: every key that was never asked for is a mistake in the file. */
  void rejectUnknown() {
    for (String key : json.fieldNames()) {
      if (!seen.contains(key)) {
        String near = nearest(key, seen);
        problem(key, "unknown field" + (near == null ? "" : " (did you mean \"" + near + "\"?)"));
      }
    }
  }

  /** The known key closest to a misspelt one (a typo, a swapped pair, '-' for '_'), or null if none is close. */
  static String nearest(String key, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String k = key.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    for (String candidate : known) {
      int d = distance(k, candidate);
      if (d < bestDistance || d == bestDistance && best != null && candidate.compareTo(best) < 0) {
        best = candidate;
        bestDistance = d;
      }
    }
    // Up to two edits, and fewer than a third of the word: "modles" is models, "port" is not "host".
    return best != null && bestDistance <= 2 && bestDistance * 3 <= Math.max(k.length(), best.length())
        ? best : null;
  }

  /** Edit distance counting a swap of neighbours as one edit (optimal string alignment); keys are short. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof JsonObject) {
      return "a mapping";
    }
    if (v instanceof JsonArray) {
      return "a list";
    }
    return v.toString();
  }
}
