package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.routing.Route;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Decides whether and how a request uses the cache: the endpoint (chat, completions, embeddings), the mode, and the
 * request's own {@code Cache-Control} and {@code x-switchboard-cache-ttl} headers. Cheap for requests that bypass:
 * the key is hashed only for cacheable ones.
 */
final class CachePolicy {
  static final String TTL_HEADER = "x-switchboard-cache-ttl";
  /** The running generation's section, read once per plan (see {@link ResponseCache}). */
  private final java.util.function.Supplier<CacheConfig> settings;

  CachePolicy(CacheConfig config) {
    this(() -> config);
  }

  CachePolicy(java.util.function.Supplier<CacheConfig> settings) {
    this.settings = settings;
  }

  /**
   * The plan for a request, or null when it bypasses the cache altogether.
   *
   * @param cacheControl the request's {@code Cache-Control} header, or null
   * @param ttlHeader the request's {@code x-switchboard-cache-ttl} header, or null
   * @throws ApiException for a malformed TTL header
   */
  CachePlan plan(GatewayRequest request, Route route, String cacheControl, String ttlHeader) {
    return plan(request, route, cacheControl, ttlHeader, null);
  }

  /**
   * As {@link #plan(GatewayRequest, Route, String, String)} for a request that came through another front end than
   * Chat Completions ({@code responses}, {@code messages}): the front end is part of the key, so the same question
   * asked through two APIs never shares an entry.
   */
  CachePlan plan(GatewayRequest request, Route route, String cacheControl, String ttlHeader, String frontEnd) {
    CacheConfig config = settings.get();
    if (!config.enabled() || !cacheable(request.endpoint())) {
      return null;
    }
    boolean noStore = false;
    boolean noCache = false;
    if (cacheControl != null) {
      for (String directive : cacheControl.split(",")) {
        String d = directive.trim().toLowerCase(Locale.ROOT);
        noStore |= d.equals("no-store");
        noCache |= d.equals("no-cache") || d.equals("max-age=0");
      }
    }
    long ttl = ttlMillis(ttlHeader, config);
    if (noStore || (config.mode() == CacheConfig.Mode.DETERMINISTIC && !deterministic(request))) {
      return null;
    }
    boolean read = !noCache;
    boolean write = ttl > 0;
    if (!read && !write) {
      return null;
    }
    String namespace = config.shared() ? "*shared*" : "key:" + request.clientKey();
    if (frontEnd != null && !frontEnd.equals(request.endpoint().label())) {
      namespace = namespace + "|front:" + frontEnd;
    }
    if (request.requirements().any()) {
      // An answer served under one set of requirements (say, min_quality) must not answer a request with others.
      namespace = namespace + "|req:" + request.requirements();
    }
    return new CachePlan(CacheKey.of(namespace, request, route), request.endpoint().label(), request.stream(), read,
        write, ttl);
  }

  static boolean cacheable(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT || endpoint == Endpoint.COMPLETIONS || endpoint == Endpoint.EMBEDDINGS;
  }

  /**
   * Embeddings are deterministic; a completion is when sampling is switched off ({@code temperature: 0}) or the
   * client fixed the {@code seed}.
   */
  static boolean deterministic(GatewayRequest request) {
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      return true;
    }
    JsonObject body = request.body();
    return body.getValue("temperature") instanceof Number t && t.doubleValue() == 0
        || body.getValue("seed") instanceof Number;
  }

  private static long ttlMillis(String header, CacheConfig config) {
    long max = config.maxTtl().toMillis();
    if (header == null) {
      return config.ttl().toMillis();
    }
    String text = header.trim();
    if (!text.matches("\\d{1,12}")) {
      throw new ApiException(ApiError.invalid("Invalid '" + TTL_HEADER + "' header: expected a whole number of "
          + "seconds (0 = do not store), got \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\".",
          null, "invalid_cache_ttl"));
    }
    // A TTL above cache.max_ttl is capped rather than refused: the client asked for "long", it gets the longest.
    return Math.min(max, Long.parseLong(text) * 1000);
  }
}
