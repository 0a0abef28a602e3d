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
 * @param probe how the health verticle probes it
 * @param api settings of the translated provider types (anthropic, gemini, azure)
 * @param modelInfo price and context window of the models that have them in config, in config order
 * @param limits this provider's own rate limits (its account's quota), Limits.NONE when not configured
 * @param modelLimits rate limits per model at this provider
 * @param budget spend limits of this provider; over one it is skipped
 * @param forwardHeaders client headers passed on to this provider as sent (lower case), beside x-request-id and
 *     traceparent/tracestate which always are
 */
public record ProviderConfig(String id, ProviderType type, URI baseUrl, Secret apiKey, boolean enabled,
                             String disabledReason, List<String> models, Timeouts timeouts,
                             Map<String, String> headers, boolean streamUsage, int maxConnections,
                             boolean fallback, double quality, double weight, ProbeConfig probe, ApiOptions api,
                             List<ModelInfo> modelInfo, Limits limits, Map<String, Limits> modelLimits,
                             Budget budget, List<String> forwardHeaders) {

  public ProviderConfig {
    forwardHeaders = List.copyOf(forwardHeaders);
    models = List.copyOf(models);
    headers = Map.copyOf(headers);
    modelInfo = List.copyOf(modelInfo);
    modelLimits = Map.copyOf(modelLimits);
  }

  /** The configured price and context window of a model (an exact entry before a pattern), or null. */
  public ModelInfo modelInfo(String model) {
    ModelInfo byPattern = null;
    for (ModelInfo info : modelInfo) {
      if (info.name().equals(model)) {
        return info;
      }
      if (byPattern == null && info.describes(model)) {
        byPattern = info;
      }
    }
    return byPattern;
  }

  /** The configured price of a model (exact entry before a pattern), or null when it has none. */
  public ModelPrice price(String model) {
    ModelInfo info = modelInfo(model);
    if (info == null) {
      return null;
    }
    boolean tokens = info.inputPrice() != null && info.outputPrice() != null;
    if (!tokens && !info.requestPrices().any()) {
      return null;
    }
    if (!tokens) {
      return new ModelPrice(0, 0, 0, info.requestPrices(), false);
    }
    return new ModelPrice(info.inputPrice(), info.outputPrice(),
        info.cachedInputPrice() == null ? info.inputPrice() : info.cachedInputPrice(), info.requestPrices(), true);
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
