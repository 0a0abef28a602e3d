package dev.switchboard.provider.anthropic;

import dev.switchboard.api.NativeFront;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatingAdapter;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}, {@code x-api-key}, {@code anthropic-version}) behind
 * OpenAI's chat completions: requests, replies, streams and errors are translated both ways. Chat only; other
 * endpoints are refused before a provider is chosen.
 */
public final class AnthropicAdapter extends TranslatingAdapter {

  public AnthropicAdapter(ProviderConfig config) {
    super(config, "x-api-key");
  }

  @Override
  public String unsupported(GatewayRequest request) {
    return AnthropicRequest.unsupported(request);
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    MultiMap headers = headers(request);
    headers.set("anthropic-version", config.api().apiVersion());
    // configured headers win, as for every provider
    config.headers().forEach(headers::set);
    JsonObject body = AnthropicRequest.build(request.body(), upstreamModel, config.api().defaultMaxTokens(),
        request.stream());
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + "/messages", headers, body.toBuffer());
  }

  /** Messages requests from the Messages front end go upstream as they came, and their replies back the same way. */
  @Override
  public ProviderAdapter nativeFormat(NativeFront front) {
    return AnthropicNative.API.equals(front.api()) ? new AnthropicNative(this, config, front) : null;
  }

  /**
   * The headers of a passed-through Messages request: the provider's key and static headers as always, and the
   * client's own {@code anthropic-version} (else the configured one) and {@code anthropic-beta}.
   */
  MultiMap nativeHeaders(GatewayRequest request, MultiMap client) {
    MultiMap headers = headers(request);
    String version = client.get("anthropic-version");
    headers.set("anthropic-version", version != null && !version.isBlank() ? version : config.api().apiVersion());
    java.util.List<String> betas = client.getAll("anthropic-beta");
    if (!betas.isEmpty()) {
      headers.set("anthropic-beta", String.join(",", betas));
    }
    config.headers().forEach(headers::set);
    return headers;
  }

  @Override
  protected JsonObject toOpenAi(GatewayRequest request, JsonObject reply) {
    return AnthropicReply.toOpenAi(reply, request.model());
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new AnthropicStreamTranslator(request.clientWantsUsage(), request.model());
  }

  @Override
  protected UpstreamError readError(int status, JsonObject error, long retryAfterMillis) {
    return AnthropicErrors.of(status, error, retryAfterMillis);
  }
}
