package dev.switchboard.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One configured provider.
 *
 * @param baseUrl API root including its version path, e.g. https://api.openai.com/v1 (null for local)
 * @param enabled false when switched off in config or when its key resolved to nothing
 * @param disabledReason why it is disabled, for the start-up log and the admin API
 * @param models real model names it serves; an entry ending in '*' is a prefix pattern
 * @param headers extra static headers sent upstream (e.g. OpenRouter's HTTP-Referer)
 * @param streamUsage ask the upstream for a final usage chunk on streams (stream_options.include_usage)
 * @param maxConnections pooled HTTP/1.1 connections per gateway instance
 * @param fallback for the local provider: serve any known model when no real provider can
 * @param quality 0..1, this provider's part of the score when a target does not set its own
 * @param weight share under the {@code weighted} strategy when a target does not set its own
 * @param prices per model name (or prefix pattern ending in '*'), per million tokens
 * @param probe how the health verticle probes it
 */
public record ProviderConfig(String id, ProviderType type, URI baseUrl, Secret apiKey, boolean enabled,
                             String disabledReason, List<String> models, Timeouts timeouts,
                             Map<String, String> headers, boolean streamUsage, int maxConnections,
                             boolean fallback, double quality, double weight, Map<String, ModelPrice> prices,
                             ProbeConfig probe) {

  public ProviderConfig {
    models = List.copyOf(models);
    headers = Map.copyOf(headers);
    prices = Map.copyOf(prices);
  }

  /** The configured price of a model, exact name first, then the longest matching prefix pattern; null if none. */
  public ModelPrice price(String model) {
    ModelPrice exact = prices.get(model);
    if (exact != null || prices.isEmpty()) {
      return exact;
    }
    ModelPrice best = null;
    int bestLength = -1;
    for (Map.Entry<String, ModelPrice> e : prices.entrySet()) {
      String k = e.getKey();
      if (k.endsWith("*") && k.length() > bestLength && model.startsWith(k.substring(0, k.length() - 1))) {
        best = e.getValue();
        bestLength = k.length();
      }
    }
    return best;
  }

  public boolean ssl() {
    return baseUrl != null && "https".equalsIgnoreCase(baseUrl.getScheme());
  }

  public String host() {
    return baseUrl.getHost();
  }

  public int port() {
    if (baseUrl.getPort() > 0) {
      return baseUrl.getPort();
    }
    return ssl() ? 443 : 80;
  }

  /** The base path without trailing slash, e.g. "/v1"; endpoint paths are appended to it. */
  public String basePath() {
    String p = baseUrl.getRawPath();
    if (p == null || p.isEmpty() || p.equals("/")) {
      return "";
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
