package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.Route;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.server.RequestValidator;
import io.vertx.core.buffer.Buffer;

import java.util.Map;

/** Requests, routes and cache configs for the cache's unit tests, built the way the gateway builds them. */
final class CacheTesting {
  static final SwitchboardConfig CONFIG = ConfigLoader.fromYaml("""
      providers:
        up: {type: openai, base_url: "http://127.0.0.1:9/v1", models: [gpt-real, text-embedding-3-small]}
        other: {type: openai, base_url: "http://127.0.0.1:9/v1", models: [gpt-other]}
      models:
        fast: {targets: [{provider: up, model: gpt-real}]}
        fast-elsewhere: {targets: [{provider: other, model: gpt-other}]}
      """, Map.of());
  private static final ModelCatalog CATALOG = new ModelCatalog(CONFIG, new ProviderRegistry(CONFIG));

  private CacheTesting() {
  }

  static Route route(String model) {
    return CATALOG.resolve(model).orElseThrow();
  }

  static GatewayRequest request(Endpoint endpoint, String json) {
    return request(endpoint, json, "team-a", null);
  }

  static GatewayRequest request(Endpoint endpoint, String json, String clientKey, String pin) {
    return new RequestValidator().parse(endpoint, Buffer.buffer(json), "req_test", clientKey, pin, null,
        System.nanoTime());
  }

  static GatewayRequest chat(String json) {
    return request(Endpoint.CHAT, json);
  }

  /** The key of a chat request in team-a's namespace, routed by its own model. */
  static String key(String json) {
    GatewayRequest r = chat(json);
    return CacheKey.of("key:team-a", r, route(r.model()));
  }

  /** The cache section parsed from YAML (the rest of the config as in {@link #CONFIG}). */
  static CacheConfig cacheConfig(String yaml) {
    return ConfigLoader.fromYaml("""
        providers:
          up: {type: openai, base_url: "http://127.0.0.1:9/v1", models: [gpt-real]}
        cache:
        """ + yaml.indent(2), Map.of()).cache();
  }
}
