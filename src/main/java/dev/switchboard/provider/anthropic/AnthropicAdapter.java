package dev.switchboard.provider.anthropic;

import dev.switchboard.config.ProviderConfig;
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
