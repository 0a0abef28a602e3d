package dev.switchboard.config;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every secret of one configuration (provider keys and credential-like provider headers, client keys, the admin key,
 * Redis passwords), removed by value from text that came from upstream before it reaches a client, a log line, a
 * metric or an event. A provider echoing its key in an error is common, and no pattern knows every key's shape (a
 * 22-character {@code fw_…} key matched none); the pattern scrubber stays as the second net for keys that are not
 * configured here, such as those a provider echoes from another account.
 *
 * <p>Each secret is matched as written, JSON-escaped and URL-encoded. Immutable and thread-safe; built once.
 */
public final class Secrets {
  /** Shorter values are not treated as secrets: removing them would mangle ordinary words and numbers. */
  public static final int MIN_LENGTH = 8;
  public static final String REDACTED = "[redacted]";
  private static final Secrets NONE = new Secrets(List.of());

  /** The forms to remove, longest first, so a secret containing another is removed whole. */
  private final List<String> needles;

  private Secrets(List<String> needles) {
    this.needles = needles;
  }

  public static Secrets none() {
    return NONE;
  }

  /** The secrets of {@code config}. */
  public static Secrets of(SwitchboardConfig config) {
    List<String> values = new ArrayList<>();
    for (ProviderConfig p : config.providers().values()) {
      values.add(p.apiKey().reveal());
      p.headers().forEach((name, value) -> {
        if (credentialHeader(name)) {
          values.add(value);
          // "Bearer xyz": the token alone is the secret.
          int space = value.indexOf(' ');
          values.add(space < 0 ? value : value.substring(space + 1));
        }
      });
    }
    if (config.auth() != null) {
      config.auth().keys().forEach(k -> values.add(k.key().reveal()));
      values.add(config.auth().adminKey().reveal());
    }
    if (config.cache() != null && config.cache().redis() != null) {
      values.add(config.cache().redis().password().reveal());
      values.add(urlPassword(config.cache().redis().url()));
    }
    if (config.ratelimit() != null) {
      values.add(urlPassword(config.ratelimit().redisUrl()));
    }
    return of(values);
  }

  /** The given values (nulls and values shorter than {@value #MIN_LENGTH} ignored). */
  public static Secrets of(List<String> values) {
    Set<String> forms = new LinkedHashSet<>();
    for (String v : values) {
      if (v == null || v.trim().length() < MIN_LENGTH) {
        continue;
      }
      String s = v.trim();
      forms.add(s);
      forms.add(jsonEscaped(s));
      forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
      forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    if (forms.isEmpty()) {
      return NONE;
    }
    List<String> sorted = new ArrayList<>(forms);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Secrets(List.copyOf(sorted));
  }

  /** These secrets and {@code older}'s: after a key rotation, text from a request still open may carry the old key. */
  public Secrets plus(Secrets older) {
    if (older.needles.isEmpty()) {
      return this;
    }
    Set<String> forms = new LinkedHashSet<>(needles);
    forms.addAll(older.needles);
    List<String> sorted = new ArrayList<>(forms);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return new Secrets(List.copyOf(sorted));
  }

  /** {@code text} with every form of every secret replaced by {@value #REDACTED}; null stays null. */
  public String scrub(String text) {
    if (text == null || needles.isEmpty()) {
      return text;
    }
    String out = text;
    for (String n : needles) {
      if (out.contains(n)) {
        out = out.replace(n, REDACTED);
      }
    }
    return out;
  }

  public boolean isEmpty() {
    return needles.isEmpty();
  }

  private static boolean credentialHeader(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.contains("auth") || n.contains("key") || n.contains("token") || n.contains("secret");
  }

  /** The password of {@code scheme://user:password@host}, or null. */
  static String urlPassword(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    try {
      String info = URI.create(url.trim()).getRawUserInfo();
      if (info == null) {
        return null;
      }
      int colon = info.indexOf(':');
      String raw = colon < 0 ? info : info.substring(colon + 1);
      return java.net.URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String jsonEscaped(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '/' -> b.append("\\/");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
