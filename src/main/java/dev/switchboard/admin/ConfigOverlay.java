package dev.switchboard.admin;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime changes made through the admin API, kept apart from the config file: {@code {"providers": {id: entry
 * or null}, "models": {name: entry or null}}}. An entry replaces the file's entry of that name whole; null removes
 * it. Merged over the file's raw tree before validation, at start and at every reload, so the file and the overlay
 * are checked together by the file's own parser. Values and edits are pure: each returns a new object.
 */
public final class ConfigOverlay {
  /** The sections the overlay may hold: the ones a running gateway applies. */
  public static final List<String> SECTIONS = List.of("providers", "models");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)");

  private ConfigOverlay() {
  }

  /** {@code base} with the overlay's entries put over it. */
  public static JsonObject merge(JsonObject base, JsonObject overlay) {
    JsonObject out = base.copy();
    for (String section : SECTIONS) {
      JsonObject changes = overlay.getJsonObject(section);
      if (changes == null || changes.isEmpty()) {
        continue;
      }
      JsonObject merged = out.getValue(section) instanceof JsonObject o ? o.copy() : new JsonObject();
      for (String name : changes.fieldNames()) {
        Object entry = changes.getValue(name);
        if (entry == null) {
          merged.remove(name);
        } else {
          merged.put(name, entry);
        }
      }
      out.put(section, merged);
    }
    return out;
  }

  /** The overlay with {@code section.name} set to {@code entry}. */
  public static JsonObject put(JsonObject overlay, String section, String name, JsonObject entry) {
    JsonObject out = overlay.copy();
    JsonObject s = out.getJsonObject(section) == null ? new JsonObject() : out.getJsonObject(section);
    s.put(name, entry);
    return out.put(section, s);
  }

  /**
   * The overlay with {@code section.name} gone from the effective config: a null marker when the file has it, else
   * just the overlay's own entry dropped.
   */
  public static JsonObject remove(JsonObject overlay, JsonObject base, String section, String name) {
    JsonObject out = overlay.copy();
    JsonObject s = out.getJsonObject(section) == null ? new JsonObject() : out.getJsonObject(section);
    boolean inFile = base.getValue(section) instanceof JsonObject b && b.containsKey(name);
    if (inFile) {
      s.putNull(name);
    } else {
      s.remove(name);
    }
    return out.put(section, s);
  }

  /** The entry {@code section.name} of a merged tree, or null. */
  public static JsonObject entry(JsonObject tree, String section, String name) {
    return tree.getValue(section) instanceof JsonObject s && s.getValue(name) instanceof JsonObject e ? e : null;
  }

  /**
   * Where each value of the merged config came from: every provider and model entry is {@code file} or
   * {@code overlay}; every value that names an environment variable is {@code env:NAME}.
   */
  public static Map<String, String> sources(JsonObject base, JsonObject overlay, JsonObject merged) {
    Map<String, String> out = new TreeMap<>();
    for (String section : SECTIONS) {
      if (!(merged.getValue(section) instanceof JsonObject s)) {
        continue;
      }
      JsonObject changes = overlay.getJsonObject(section, new JsonObject());
      for (String name : s.fieldNames()) {
        out.put(section + "." + name, changes.containsKey(name) ? "overlay" : "file");
      }
    }
    envSources("", merged, out);
    return out;
  }

  private static void envSources(String path, Object value, Map<String, String> out) {
    if (value instanceof JsonObject o) {
      for (String k : o.fieldNames()) {
        envSources(path.isEmpty() ? k : path + "." + k, o.getValue(k), out);
      }
    } else if (value instanceof io.vertx.core.json.JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        envSources(path + "[" + i + "]", a.getValue(i), out);
      }
    } else if (value instanceof String s) {
      Matcher m = VARIABLE.matcher(s);
      StringBuilder vars = new StringBuilder();
      while (m.find()) {
        vars.append(vars.length() == 0 ? "" : ",").append(m.group(1));
      }
      if (vars.length() > 0) {
        out.put(path, "env:" + vars);
      }
    }
  }
}
