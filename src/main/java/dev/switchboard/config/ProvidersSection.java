package dev.switchboard.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.switchboard.config.ConfigChecks.budget;
import static dev.switchboard.config.ConfigChecks.envHint;
import static dev.switchboard.config.ConfigChecks.limits;
import static dev.switchboard.config.ConfigChecks.positive;
import static dev.switchboard.config.ConfigChecks.printable;

/** The {@code providers} and {@code models} sections: one provider entry, one model alias. */
final class ProvidersSection {
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern API_VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private ProvidersSection() {
  }

  static ProviderConfig provider(String id, ConfigNode n) {
    String typeText = n.string("type", "openai");
    ProviderType type = ProviderType.parse(typeText).orElse(null);
    if (type == null) {
      n.problem("type", "unknown provider type \"" + typeText + "\" (supported: " + ProviderType.names() + ")");
      type = ProviderType.OPENAI;
    }
    URI baseUrl = null;
    if (type != ProviderType.LOCAL) {
      String url = n.requiredString("base_url");
      baseUrl = url.isEmpty() ? null : baseUrl(n, url);
    } else if (n.has("base_url")) {
      n.problem("base_url", "the local provider has no base_url");
    }
    boolean keyConfigured = n.has("api_key");
    String rawKey = n.rawUninterpolated("api_key");
    Secret apiKey = Secret.of(n.string("api_key", "").trim());
    Switch on = enabled(n, keyConfigured, apiKey, rawKey);
    boolean enabled = on.enabled();
    String reason = on.reason();
    List<ModelInfo> modelInfo = new ArrayList<>();
    List<String> models = models(n, modelInfo);
    for (int i = 0; i < models.size(); i++) {
      String m = models.get(i);
      if (m.isBlank() || (m.indexOf('*') >= 0 && m.indexOf('*') != m.length() - 1)) {
        n.problem("models[" + i + "]", "must be a model name, or a prefix ending in '*', got \"" + m + "\"");
      }
    }
    Timeouts timeouts = timeouts(n.object("timeouts"));
    Map<String, String> headers = headers(n);
    boolean streamUsage = n.bool("stream_usage", true);
    int maxConnections = (int) n.integer("max_connections", 100, 1, 10_000);
    boolean fallback = n.bool("fallback", type == ProviderType.LOCAL);
    if (fallback && type != ProviderType.LOCAL) {
      n.problem("fallback", "only the local provider can be a fallback for every model");
    }
    double quality = n.decimal("quality", 0.5, 0, 1);
    double weight = n.decimal("weight", 1, 0, 1_000_000);
    ProbeConfig probe = probe(n.object("probe"), type);
    ApiOptions api = apiOptions(type, n, models, baseUrl);
    ConfigNode l = n.object("limits");
    Limits limits = limits(l);
    Map<String, Limits> modelLimits = new LinkedHashMap<>();
    l.namedObjects("models").forEach((model, m) -> {
      modelLimits.put(model, limits(m));
      m.rejectUnknown();
    });
    l.rejectUnknown();
    Budget budget = budget(n);
    List<String> forwardHeaders = forwardHeaders(n);
    n.rejectUnknown();
    return new ProviderConfig(id, type, baseUrl, apiKey, enabled, reason, models, timeouts, headers, streamUsage,
        maxConnections, fallback, quality, weight, probe, api, modelInfo, limits, modelLimits, budget,
        forwardHeaders);
  }

  /** Whether a provider is switched on, and if not, why (null when the config itself is wrong). */
  private record Switch(boolean enabled, String reason) {
  }

  private static Switch enabled(ConfigNode n, boolean keyConfigured, Secret apiKey, String rawKey) {
    String enabledText = n.string("enabled", "auto").trim().toLowerCase(Locale.ROOT);
    boolean enabled;
    String reason = null;
    switch (enabledText) {
      case "true", "yes", "on" -> enabled = true;
      case "false", "no", "off" -> {
        enabled = false;
        reason = "disabled in config";
      }
      case "auto", "" -> {
        // A provider whose key is configured but resolved to nothing is switched off rather than sent
        // unauthenticated requests; a provider with no api_key field at all (Ollama, vLLM) needs none.
        enabled = !keyConfigured || apiKey.isPresent();
        if (!enabled) {
          reason = "api_key is empty" + envHint(rawKey);
        }
      }
      default -> {
        n.problem("enabled", "must be true, false or auto, got \"" + enabledText + "\"");
        enabled = false;
      }
    }
    return new Switch(enabled, reason);
  }

  private static Timeouts timeouts(ConfigNode t) {
    Timeouts d = Timeouts.DEFAULT;
    Timeouts timeouts = new Timeouts(t.duration("connect", d.connect()), t.duration("first_byte", d.firstByte()),
        t.duration("idle", d.idle()), t.duration("total", d.total()),
        t.has("first_token") ? t.duration("first_token", Duration.ZERO) : null);
    if (timeouts.firstToken() != null) {
      positive(t, "first_token", timeouts.firstToken());
    }
    positive(t, "connect", timeouts.connect());
    positive(t, "first_byte", timeouts.firstByte());
    positive(t, "idle", timeouts.idle());
    positive(t, "total", timeouts.total());
    t.rejectUnknown();
    return timeouts;
  }

  /** The client headers passed on as sent; hop-by-hop, framing and credential headers are refused. */
  private static List<String> forwardHeaders(ConfigNode n) {
    List<String> names = new ArrayList<>();
    List<String> given = n.stringList("forward_headers");
    for (int i = 0; i < given.size(); i++) {
      String h = given.get(i).trim();
      if (!HEADER_NAME.matcher(h).matches()) {
        n.problem("forward_headers[" + i + "]", "is not a valid HTTP header name, got \"" + h + "\"");
      } else if (HeaderRules.neverForwarded(h)) {
        n.problem("forward_headers[" + i + "]", h + " is a hop-by-hop, framing, gateway or credential header and is "
            + "never forwarded");
      } else {
        names.add(h.toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** The static headers sent upstream; the ones Switchboard sets itself, and unsafe values, are refused. */
  private static Map<String, String> headers(ConfigNode n) {
    Map<String, String> headers = new LinkedHashMap<>();
    n.stringMap("headers").forEach((h, v) -> {
      String value = v.trim();
      if (!HEADER_NAME.matcher(h).matches()) {
        n.problem("headers." + h, "is not a valid HTTP header name");
      } else if (h.equalsIgnoreCase("authorization") || h.equalsIgnoreCase("host")
          || h.equalsIgnoreCase("content-length")) {
        n.problem("headers." + h, "is set by Switchboard and cannot be configured");
      } else if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
        // Never echo the value: header values are where provider keys live (Azure's api-key).
        n.problem("headers." + h, "must not contain control characters such as line breaks");
      } else {
        headers.put(h, value);
      }
    });
    return headers;
  }

  static ProbeConfig probe(ConfigNode n, ProviderType type) {
    String mode = n.string("mode", type == ProviderType.LOCAL ? "none" : "models").trim().toLowerCase(Locale.ROOT);
    if (!List.of("models", "completion", "embeddings", "images", "speech", "none").contains(mode)) {
      n.problem("mode", "must be one of models, completion, embeddings, images, speech, none, got \"" + mode + "\"");
    } else if ((mode.equals("images") || mode.equals("speech")) && type != ProviderType.OPENAI
        && type != ProviderType.AZURE || mode.equals("embeddings") && type == ProviderType.ANTHROPIC) {
      n.problem("mode", "\"" + mode + "\" cannot probe a " + type.name().toLowerCase(Locale.ROOT)
          + " provider: its API does not serve " + mode);
    }
    io.vertx.core.json.JsonObject body = null;
    if (n.has("body")) {
      if (!n.isMapping("body")) {
        n.problem("body", "must be a mapping (the probe request's JSON body)");
      } else if (mode.equals("models") || mode.equals("none")) {
        n.problem("body", "is only for the completion, embeddings, images and speech probes");
      } else {
        body = n.object("body").json();
      }
    }
    String model = n.has("model") ? n.string("model", null) : null;
    Duration interval = n.has("interval") ? n.duration("interval", HealthConfig.DEFAULT.interval()) : null;
    if (interval != null) {
      positive(n, "interval", interval);
    }
    n.rejectUnknown();
    return new ProbeConfig(mode, model, interval, body);
  }

  /**
   * A provider's model names. An entry is a name, or a mapping that also gives the model's prices (per million
   * tokens) and context window: {@code {name: claude-sonnet-4-5, input_price: 3, output_price: 15,
   * cached_input_price: 0.3, context_window: 200000}}.
   */
  static List<String> models(ConfigNode n, List<ModelInfo> infos) {
    List<Object> items = n.list("models");
    List<String> names = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (item instanceof String || item instanceof Number) {
        names.add(item.toString());
        continue;
      }
      ConfigNode m = n.element("models", i, item);
      String name = m.requiredString("name");
      Double input = price(m, "input_price");
      Double output = price(m, "output_price");
      Double cached = price(m, "cached_input_price");
      Long window = m.has("context_window") ? m.integer("context_window", 0, 1, 1_000_000_000) : null;
      RequestPrices perUnit = RequestPricesConfig.parse(m);
      m.rejectUnknown();
      names.add(name);
      infos.add(new ModelInfo(name, input, output, cached, window == null || window == 0 ? null : window, perUnit));
    }
    return names;
  }

  static Double price(ConfigNode n, String key) {
    return n.has(key) ? n.decimal(key, 0, 0, 1_000_000) : null;
  }

  /**
   * The settings of the translated provider types. Each is refused, by its path, on a type that does not use it. An
   * azure provider also serves every model its deployments map names.
   */
  static ApiOptions apiOptions(ProviderType type, ConfigNode n, List<String> models, URI baseUrl) {
    boolean anthropic = type == ProviderType.ANTHROPIC;
    boolean azure = type == ProviderType.AZURE;
    String version = null;
    if (anthropic || azure) {
      version = n.string("api_version", anthropic ? ApiOptions.ANTHROPIC_VERSION : ApiOptions.AZURE_API_VERSION).trim();
      if (!API_VERSION.matcher(version).matches()) {
        n.problem("api_version", "must be a version such as " + (anthropic ? ApiOptions.ANTHROPIC_VERSION
            : ApiOptions.AZURE_API_VERSION) + " (letters, digits, '.', '-', '_'), got \"" + version + "\"");
      }
    } else if (n.has("api_version")) {
      n.problem("api_version", "is only for anthropic and azure providers");
    }
    int maxTokens = 0;
    if (anthropic) {
      maxTokens = (int) n.integer("default_max_tokens", ApiOptions.ANTHROPIC_MAX_TOKENS, 1, 1_000_000);
    } else if (n.has("default_max_tokens")) {
      n.problem("default_max_tokens", "is only for anthropic providers (Anthropic requires max_tokens)");
    }
    Map<String, String> deployments = new LinkedHashMap<>();
    if (azure) {
      n.stringMap("deployments").forEach((model, deployment) -> {
        String d = deployment.trim();
        if (model.isBlank() || model.indexOf('*') >= 0) {
          n.problem("deployments." + model, "must be keyed by a model name (no '*' patterns)");
        } else if (!DEPLOYMENT.matcher(d).matches()) {
          n.problem("deployments." + model, "must be an Azure deployment name (letters, digits, '-', '_', '.'), got \""
              + d + "\"");
        } else {
          deployments.put(model, d);
          if (!models.contains(model)) {
            models.add(model);
          }
        }
      });
    } else if (n.has("deployments")) {
      n.problem("deployments", "is only for azure providers");
    }
    boolean responses = responses(type, n, baseUrl);
    return version == null && deployments.isEmpty() && maxTokens == 0 && !responses ? ApiOptions.NONE
        : new ApiOptions(version, maxTokens, deployments, responses);
  }

  /**
   * {@code responses}: whether the provider serves OpenAI's Responses API natively. On by default only for OpenAI
   * itself (an openai provider at api.openai.com): of the other OpenAI-compatible APIs, only some serve it, and an
   * Azure resource only in some regions and for some models, so those say so.
   */
  private static boolean responses(ProviderType type, ConfigNode n, URI baseUrl) {
    if (type == ProviderType.OPENAI || type == ProviderType.AZURE) {
      boolean openAiItself = type == ProviderType.OPENAI && baseUrl != null
          && "api.openai.com".equalsIgnoreCase(baseUrl.getHost());
      return n.bool("responses", openAiItself);
    }
    if (n.has("responses")) {
      n.problem("responses", "is only for openai and azure providers (the Responses API is OpenAI's)");
    }
    return false;
  }

  static URI baseUrl(ConfigNode n, String url) {
    try {
      URI uri = new URI(url.trim());
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        // "localhost:11434/v1" parses with "localhost" as its scheme; either way the scheme was left out.
        String hint = url.contains("://") ? "" : withScheme(url.trim());
        n.problem("base_url", "must be an absolute http:// or https:// URL, got \"" + printable(uri) + "\"" + hint);
        return null;
      }
      if (uri.getRawUserInfo() != null) {
        n.problem("base_url", "must not contain credentials (user:password@); use api_key or headers");
        return null;
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        n.problem("base_url", "must not contain a query or fragment, got \"" + printable(uri) + "?…\"");
        return null;
      }
      if (uri.getPort() > 65535) {
        n.problem("base_url", "port must be at most 65535, got " + uri.getPort());
        return null;
      }
      return uri;
    } catch (URISyntaxException e) {
      n.problem("base_url", "is not a valid URL: " + e.getReason());
      return null;
    }
  }

  /** scheme://host:port/path only: queries and user info may carry secrets. */
  /** " (did you mean "http://…"?)" for a base URL written without its scheme, or "" if that does not help. */
  static String withScheme(String url) {
    try {
      URI fixed = new URI("http://" + url);
      return fixed.getHost() == null ? "" : " (did you mean \"" + printable(fixed) + "\"?)";
    } catch (URISyntaxException e) {
      return "";
    }
  }

  static ModelConfig model(String name, ConfigNode n, Map<String, ProviderConfig> providers) {
    List<TargetRef> targets = new ArrayList<>();
    List<Object> items = n.list("targets");
    if (items.isEmpty()) {
      n.problem("targets", "at least one target {provider, model} is required");
    }
    for (int i = 0; i < items.size(); i++) {
      ConfigNode t = n.element("targets", i, items.get(i));
      String provider = t.requiredString("provider");
      String model = t.string("model", name);
      if (!provider.isEmpty() && !providers.containsKey(provider)) {
        t.problem("provider", "unknown provider \"" + provider + "\" (configured: "
            + String.join(", ", providers.keySet()) + ")");
      }
      Double weight = t.has("weight") ? t.decimal("weight", 1, 0, 1_000_000) : null;
      Double quality = t.has("quality") ? t.decimal("quality", 0.5, 0, 1) : null;
      long contextWindow = t.integer("context_window", 0, 0, 100_000_000);
      t.rejectUnknown();
      targets.add(new TargetRef(provider, model, weight, quality, contextWindow));
    }
    RoutingStrategy strategy = ServicesSection.strategy(n, null);
    ScoreWeights weights = n.has("weights") ? ServicesSection.weights(n, "weights", ScoreWeights.DEFAULT) : null;
    Duration firstToken = n.has("first_token") ? n.duration("first_token", Duration.ZERO) : null;
    if (firstToken != null && (firstToken.isZero() || firstToken.isNegative())) {
      n.problem("first_token", "must be positive");
    }
    Boolean hedge = n.has("hedge") ? n.bool("hedge", false) : null;
    Boolean resume = n.has("resume") ? n.bool("resume", false) : null;
    n.rejectUnknown();
    return new ModelConfig(name, targets, strategy, weights, firstToken, hedge, resume);
  }
}
