package dev.switchboard.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.logging.Logger;

import static dev.switchboard.config.ConfigChecks.MB;
import static dev.switchboard.config.ConfigChecks.budget;
import static dev.switchboard.config.ConfigChecks.limits;

/** The {@code server}, {@code auth}, {@code logging} and {@code metrics} sections. */
final class ServerSection {
  private static final Logger LOG = Logger.getLogger(ConfigLoader.class.getName());

  private ServerSection() {
  }

  static MetricsConfig metrics(ConfigNode n, ServerConfig server) {
    MetricsConfig d = MetricsConfig.DEFAULT;
    MetricsConfig m = new MetricsConfig((int) n.integer("port", d.port(), 0, 65535),
        n.string("auth", d.auth()).trim().toLowerCase(Locale.ROOT));
    if (!List.of("auto", "admin_key", "none").contains(m.auth())) {
      n.problem("auth", "must be one of auto, admin_key, none, got \"" + m.auth() + "\"");
    }
    if (m.port() != 0 && m.port() == server.port()) {
      n.problem("port", "must differ from server.port (" + server.port() + "); 0 serves /metrics on the API port");
    }
    n.rejectUnknown();
    return m;
  }

  static ServerConfig server(ConfigNode n) {
    ServerConfig s = new ServerConfig(
        n.string("host", "0.0.0.0"),
        (int) n.integer("port", 8080, 0, 65535),
        (int) n.integer("instances", 0, 0, 256),
        n.size("max_body_size", 10 * MB, 1024, 1024 * MB),
        n.size("max_response_size", 64 * MB, 1024, 4096 * MB),
        n.duration("drain_delay", Duration.ZERO),
        n.duration("shutdown_grace", Duration.ofSeconds(30)),
        n.string("transport", "auto").trim().toLowerCase(Locale.ROOT),
        n.stringList("cors_origins"),
        n.duration("header_timeout", Duration.ofSeconds(10)),
        n.duration("body_timeout", Duration.ofSeconds(60)),
        (int) n.integer("max_connections", 10_000, 1, 10_000_000),
        (int) n.integer("max_connections_per_client", 256, 1, 10_000_000),
        n.size("max_buffered_responses", defaultBufferedResponses(), 1024, 1024L * 1024 * MB),
        n.bool("allow_open", false),
        n.duration("drain_quiet", Duration.ofMillis(200)));
    if (s.headerTimeout().isZero()) {
      n.problem("header_timeout",
          "must be longer than 0: a connection that never sends a request would be held forever");
    }
    if (s.bodyTimeout().isZero()) {
      n.problem("body_timeout", "must be longer than 0: a body that never ends would hold its connection forever");
    }
    for (int i = 0; i < s.corsOrigins().size(); i++) {
      String origin = s.corsOrigins().get(i);
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        n.problem("cors_origins[" + i + "]", "must be \"*\" or an origin such as https://app.example.com (scheme and "
            + "host, no path), got \"" + origin + "\"");
      }
    }
    if (!List.of("auto", "epoll", "io_uring", "nio").contains(s.transport())) {
      n.problem("transport", "must be one of auto, epoll, io_uring, nio, got \"" + s.transport() + "\"");
    }
    n.rejectUnknown();
    return s;
  }

  /**
   * An open gateway (no client key) spends the operator's provider credits for anyone who reaches it, so unless
   * {@code server.allow_open} says that is intended it listens on loopback only, whatever host was configured.
   */
  static ServerConfig openOnLoopbackOnly(ServerConfig server, AuthConfig auth) {
    if (!auth.open() || server.allowOpen() || server.loopback()) {
      return server;
    }
    LOG.warning("no client key is configured, so the gateway is OPEN and listens on 127.0.0.1 only instead of "
        + server.host() + ". To serve other machines set a client key (auth.keys, e.g. SWITCHBOARD_API_KEY), or "
        + "accept an open gateway with server.allow_open: true (SWITCHBOARD_ALLOW_OPEN=true).");
    return server.withHost("127.0.0.1");
  }

  /**
   * An eighth of the JVM's heap limit: while a reply is checked and written the heap holds it three to four times
   * over (its buffer, the adapter's scan copy, transient copies on the way out; measured with bench/abuse/memory.sh),
   * and the rest of the gateway needs room too.
   */
  static long defaultBufferedResponses() {
    return Math.max(1024, Runtime.getRuntime().maxMemory() / 8);
  }

  static AuthConfig auth(ConfigNode n) {
    List<ClientKeyConfig> keys = new ArrayList<>();
    List<Object> items = n.list("keys");
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      String name;
      String key;
      Limits limits = null;
      int priority = 0;
      int maxPriority = 0;
      List<String> allowed = List.of();
      Budget budget = Budget.NONE;
      String where = n.pathOf("keys") + "[" + i + "]";
      if (item instanceof String s) {
        name = "key-" + (i + 1);
        key = s;
      } else {
        ConfigNode k = n.element("keys", i, item);
        key = k.string("key", "");
        ClientKeyConfig c = clientKey(k, Secret.empty());
        name = c.name();
        limits = c.limits();
        priority = c.priority();
        maxPriority = c.maxPriority();
        allowed = c.models();
        budget = c.budget();
      }
      if (key.isBlank()) {
        LOG.warning(where + ": key is empty, skipped");
        continue;
      }
      if (key.length() < 8) {
        n.problem("keys[" + i + "]", "a client key must be at least 8 characters");
        continue;
      }
      keys.add(new ClientKeyConfig(name, Secret.of(key.trim()), limits, priority, maxPriority, allowed, budget));
    }
    Secret admin = Secret.of(n.string("admin_key", "").trim());
    n.rejectUnknown();
    return new AuthConfig(keys, admin);
  }

  /**
   * One client key's settings (everything but the key itself, which the caller reads), as written in {@code auth.keys}
   * and sent to {@code POST /admin/keys}: one parser for both, unknown fields included.
   */
  static ClientKeyConfig clientKey(ConfigNode k, Secret key) {
    String name = k.requiredString("name");
    Limits limits = null;
    if (k.has("limits")) {
      ConfigNode l = k.object("limits");
      limits = limits(l);
      l.rejectUnknown();
    }
    int priority = (int) k.integer("priority", 0, -100, 100);
    int maxPriority = (int) k.integer("max_priority", priority, -100, 100);
    List<String> allowed = k.stringList("models");
    Budget budget = budget(k);
    k.rejectUnknown();
    return new ClientKeyConfig(name, key, limits, priority, maxPriority, allowed, budget);
  }

  static LoggingConfig logging(ConfigNode n) {
    String level = n.string("level", "info").toLowerCase(Locale.ROOT);
    if (!List.of("debug", "info", "warn", "error").contains(level)) {
      n.problem("level", "must be one of debug, info, warn, error, got \"" + level + "\"");
    }
    Map<String, String> levels = new LinkedHashMap<>();
    n.stringMap("levels").forEach((logger, value) -> {
      String v = value.trim().toLowerCase(Locale.ROOT);
      if (!List.of("trace", "debug", "info", "warn", "error", "off").contains(v)) {
        n.problem("levels." + logger, "must be one of trace, debug, info, warn, error, off, got \"" + value + "\"");
      }
      levels.put(logger, v);
    });
    String format = n.string("format", LoggingConfig.TEXT).trim().toLowerCase(Locale.ROOT);
    if (!List.of(LoggingConfig.TEXT, LoggingConfig.JSON).contains(format)) {
      n.problem("format", "must be text or json, got \"" + format + "\"");
    }
    LogFile file = n.has("file") ? logFile(n, "file", null) : null;
    LoggingConfig l = new LoggingConfig(n.bool("access_log", true), level, Map.copyOf(levels), format, file,
        payloads(n));
    n.rejectUnknown();
    return l;
  }

  /** {@code payloads*} and {@code payload_*} keys of the logging section. */
  private static PayloadLogConfig payloads(ConfigNode n) {
    PayloadLogConfig d = PayloadLogConfig.OFF;
    PayloadMode mode = payloadMode(n, "payloads", n.string("payloads", "off"));
    Map<String, PayloadMode> byKey = new LinkedHashMap<>();
    n.stringMap("payloads_by_key").forEach((k, v) -> byKey.put(k, payloadMode(n, "payloads_by_key." + k, v)));
    Map<String, PayloadMode> byModel = new LinkedHashMap<>();
    n.stringMap("payloads_by_model").forEach((k, v) -> byModel.put(k, payloadMode(n, "payloads_by_model." + k, v)));
    List<JsonPath> redact = new ArrayList<>();
    List<String> paths = n.stringList("payload_redact");
    for (int i = 0; i < paths.size(); i++) {
      JsonPath p = JsonPath.parse(paths.get(i));
      if (p == null) {
        n.problem("payload_redact[" + i + "]", "must be a JSON path such as $.messages[*].content ($ then .name, "
            + "['name'], [*] or [N] steps), got \"" + paths.get(i) + "\"");
      } else {
        redact.add(p);
      }
    }
    int maxBytes = (int) n.size("payload_max_bytes", d.maxBytes(), 256, 16L * MB);
    LogFile file = n.has("payload_file") ? logFile(n, "payload_file", d.file().path()) : d.file();
    int queue = (int) n.integer("payload_queue", d.queue(), 1, 1_000_000);
    return new PayloadLogConfig(mode, Map.copyOf(byKey), Map.copyOf(byModel), List.copyOf(redact), maxBytes, file,
        queue);
  }

  private static PayloadMode payloadMode(ConfigNode n, String key, String text) {
    PayloadMode m = PayloadMode.parse(text);
    if (m == null) {
      n.problem(key, "must be " + PayloadMode.FORMS + ", got \"" + text + "\"");
      return PayloadMode.OFF;
    }
    return m;
  }

  /** A rotated file: a path alone, or {path, max_size, max_history, total_size}. */
  private static LogFile logFile(ConfigNode n, String key, String defaultPath) {
    LogFile d = PayloadLogConfig.DEFAULT_FILE;
    if (!n.isMapping(key)) {
      String path = n.string(key, "").trim();
      if (path.isEmpty()) {
        n.problem(key, "must be a file path or a mapping with path, max_size, max_history, total_size");
      }
      return new LogFile(path, d.maxSizeBytes(), d.maxHistoryDays(), d.totalSizeBytes());
    }
    ConfigNode f = n.object(key);
    String path = defaultPath == null ? f.requiredString("path").trim() : f.string("path", defaultPath).trim();
    LogFile file = new LogFile(path, f.size("max_size", d.maxSizeBytes(), 1024, 1024L * 1024 * MB),
        (int) f.integer("max_history", d.maxHistoryDays(), 1, 3650),
        f.size("total_size", d.totalSizeBytes(), 1024, 1024L * 1024 * MB));
    if (file.totalSizeBytes() < file.maxSizeBytes()) {
      f.problem("total_size", "must be at least max_size (" + file.maxSizeBytes() + " bytes)");
    }
    f.rejectUnknown();
    return file;
  }
}
