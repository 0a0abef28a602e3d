package dev.switchboard.provider.gemini;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatingAdapter;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * Google's Gemini API ({@code models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :embedContent}, {@code :batchEmbedContents}; key in {@code x-goog-api-key}) behind OpenAI's chat
 * completions and embeddings. Other endpoints are refused before a provider is chosen.
 */
public final class GeminiAdapter extends TranslatingAdapter {

  public GeminiAdapter(ProviderConfig config) {
    super(config, "x-goog-api-key");
  }

  @Override
  public String unsupported(GatewayRequest request) {
    return GeminiRequest.unsupported(request);
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    String path;
    JsonObject body;
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      boolean single = GeminiRequest.singleEmbedding(request.body());
      path = GeminiRequest.path(upstreamModel, single ? "embedContent" : "batchEmbedContents");
      body = GeminiRequest.embeddings(request.body(), upstreamModel);
    } else {
      path = GeminiRequest.path(upstreamModel, request.stream() ? "streamGenerateContent?alt=sse" : "generateContent");
      body = GeminiRequest.chat(request.body());
    }
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + path, headers(request), body.toBuffer());
  }

  @Override
  protected JsonObject toOpenAi(GatewayRequest request, JsonObject reply) {
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      return GeminiReply.embeddings(reply, request.model(), "base64".equals(request.body().getValue("encoding_format")));
    }
    return GeminiReply.chat(reply, request.model());
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new GeminiStreamTranslator(request.clientWantsUsage(), request.model());
  }

  @Override
  protected UpstreamError readError(int status, JsonObject error, long retryAfterMillis) {
    return GeminiErrors.of(status, error, retryAfterMillis);
  }
}
