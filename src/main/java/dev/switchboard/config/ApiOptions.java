package dev.switchboard.config;

import java.util.Map;

/**
 * Settings that only some provider types use; the loader refuses them on the others.
 *
 * @param apiVersion anthropic: the {@code anthropic-version} header; azure: the {@code api-version} query parameter;
 *     null for the other types
 * @param defaultMaxTokens anthropic: {@code max_tokens} when the client sets none (Anthropic requires it)
 * @param deployments azure: model name -> deployment name; a model without an entry is its own deployment name
 * @param responses openai and azure: the provider serves OpenAI's Responses API ({@code POST /responses}), so the
 *     gateway's Responses front end passes requests to it natively instead of translating them to chat
 */
public record ApiOptions(String apiVersion, int defaultMaxTokens, Map<String, String> deployments, boolean responses) {
  public static final String ANTHROPIC_VERSION = "2023-06-01";
  public static final String AZURE_API_VERSION = "2024-10-21";
  public static final int ANTHROPIC_MAX_TOKENS = 4096;
  public static final ApiOptions NONE = new ApiOptions(null, 0, Map.of(), false);

  public ApiOptions {
    deployments = Map.copyOf(deployments);
  }

  /** The deployment serving a model (azure). */
  public String deploymentFor(String model) {
    return deployments.getOrDefault(model, model);
  }
}
