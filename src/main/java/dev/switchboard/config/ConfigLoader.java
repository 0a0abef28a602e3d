package dev.switchboard.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads the YAML config, interpolates environment variables and validates everything once. */
public final class ConfigLoader {
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

  private ConfigLoader() {
  }

  /** Loads a YAML file through vertx-config. Fails with a {@link ConfigException} naming every bad field. */
  public static Future<SwitchboardConfig> load(Vertx vertx, String path, Map<String, String> env) {
    if (!Files.isRegularFile(Path.of(path))) {
      return Future.failedFuture(new ConfigException("config file " + path + " does not exist or is not a file"));
    }
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(-1).setIncludeDefaultStores(false).addStore(store));
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(path + ": not valid YAML: "
            + named(rootMessage(err), path))))
        .andThen(ar -> retriever.close())
        .map(raw -> parse(raw, env));
  }

  /** Parses YAML text; for tests and tools that hold the config in memory. */
  public static SwitchboardConfig fromYaml(String yaml, Map<String, String> env) {
    return fromYaml(yaml, env, null);
  }

  /**
   * Parses YAML text that came from {@code source} (a file or resource name, null when it has none), which syntax
   * errors then name.
   */
  public static SwitchboardConfig fromYaml(String yaml, Map<String, String> env, String source) {
    return parse(tree(yaml, source), env);
  }

  /**
   * The raw config tree of YAML text, before interpolation and validation: a reload merges the runtime overlay into
   * it and then {@link #parse parses} the result like a file.
   */
  public static JsonObject tree(String yaml, String source) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (RuntimeException e) {
      throw new ConfigException((source == null ? "" : source + ": ") + "not valid YAML: "
          + (source == null ? e.getMessage() : named(e.getMessage(), source)));
    }
    if (doc == null) {
      doc = Map.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new ConfigException("the config must be a YAML mapping at the top level");
    }
    return (JsonObject) textKeys(map);
  }

  /**
   * YAML reads keys such as {@code 1:} or {@code 3.5:} as numbers; JSON keys are text. Converts every mapping key
   * to its text, as vertx-config's YAML store (the launcher's path) does, instead of failing later with a
   * ClassCastException.
   */
  private static Object textKeys(Object value) {
    if (value instanceof Map<?, ?> m) {
      JsonObject out = new JsonObject();
      m.forEach((k, v) -> out.put(String.valueOf(k), textKeys(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
      l.forEach(v -> out.add(textKeys(v)));
      return out;
    }
    // An unquoted 2023-06-01 is a YAML date: read it as vertx-config's YAML store does, as an instant.
    return value instanceof java.util.Date d ? d.toInstant() : value;
  }

  public static SwitchboardConfig parse(JsonObject raw, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Interpolator interpolator = new Interpolator(env);
    ConfigNode root = new ConfigNode("", raw, problems, interpolator);

    ServerConfig server = ServerSection.server(root.object("server"));
    AuthConfig auth = ServerSection.auth(root.object("auth"));
    server = ServerSection.openOnLoopbackOnly(server, auth);
    LoggingConfig logging = ServerSection.logging(root.object("logging"));
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    root.namedObjects("providers").forEach((id, node) -> {
      if (!ID.matcher(id).matches()) {
        problems.add(node.path() + ": provider id must be lower-case letters, digits, '-', '_' or '.'");
      }
      providers.put(id, ProvidersSection.provider(id, node));
    });
    if (providers.isEmpty()) {
      problems.add("providers: at least one provider is required (the built-in one is `type: local`)");
    }
    Map<String, ModelConfig> models = new LinkedHashMap<>();
    root.namedObjects("models")
        .forEach((name, node) -> models.put(name, ProvidersSection.model(name, node, providers)));
    RoutingConfig routing = ServicesSection.routing(root.object("routing"));
    HealthConfig health = ServicesSection.health(root.object("health"));
    RateLimitConfig ratelimit = ServicesSection.ratelimit(root.object("ratelimit"));
    UsageConfig usage = ServicesSection.usage(root.object("usage"));
    CacheConfig cache = ServicesSection.cache(root.object("cache"));
    MetricsConfig metrics = ServerSection.metrics(root.object("metrics"), server);
    ResponsesConfig responses = ServicesSection.responses(root.object("responses"));
    ReloadConfig reload = ReloadConfig.parse(root.object("config"));
    TelemetryConfig telemetry = TelemetrySection.telemetry(root.object("telemetry"), env);
    StatusConfig status = StatusConfig.parse(root.object("status"));
    root.rejectUnknown();

    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new SwitchboardConfig(server, auth, logging, providers, models, routing, health, ratelimit, usage,
        cache, metrics, responses, reload, telemetry, status);
  }

  /**
   * A client key sent to the admin API, checked by the parser of {@code auth.keys} entries: a misspelt field is an
   * error naming it, not a key without the limit the admin meant. Switchboard generates the key itself.
   */
  public static ClientKeyConfig clientKey(JsonObject body) {
    List<String> problems = new ArrayList<>();
    ConfigNode k = new ConfigNode("", body, problems, new Interpolator(Map.of()));
    if (body.containsKey("key")) {
      problems.add("key: Switchboard generates the key and shows it once; leave this field out");
      body = body.copy();
      body.remove("key");
      k = new ConfigNode("", body, problems, new Interpolator(Map.of()));
    }
    ClientKeyConfig key = ServerSection.clientKey(k, Secret.empty());
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return key;
  }

  /** SnakeYAML says "in 'string', line 3, column 8" of text it was handed: name the file instead. */
  private static String named(String yamlMessage, String source) {
    return yamlMessage == null ? null : yamlMessage.replace("in 'string',", "in " + source + ",")
        .replace("in 'reader',", "in " + source + ",");
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
