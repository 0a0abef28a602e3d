package dev.switchboard.provider.gemini;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.provider.Usage;
import dev.switchboard.provider.openai.OpenAiAdapter;
import dev.switchboard.server.Endpoint;
import dev.switchboard.server.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Google's Gemini API ({@code models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :embedContent}, {@code :batchEmbedContents}; key in {@code x-goog-api-key}) behind OpenAI's chat
 * completions and embeddings. Other endpoints are refused before a provider is chosen.
 */
public final class GeminiAdapter implements ProviderAdapter {
  private final ProviderConfig config;

  public GeminiAdapter(ProviderConfig config) {
    this.config = config;
  }

  @Override
  public String unsupported(GatewayRequest request) {
    return GeminiRequest.unsupported(request);
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    headers.set(HttpHeaders.USER_AGENT, OpenAiAdapter.USER_AGENT);
    if (config.apiKey().isPresent()) {
      headers.set("x-goog-api-key", config.apiKey().reveal());
    }
    config.headers().forEach(headers::set);
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
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + path, headers, body.toBuffer());
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    JsonObject response;
    try {
      response = new JsonObject(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
    JsonObject reply;
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      boolean base64 = "base64".equals(request.body().getValue("encoding_format"));
      reply = GeminiReply.embeddings(response, request.model(), base64);
    } else {
      reply = GeminiReply.chat(response, request.model());
    }
    return new TranslatedReply(reply.toBuffer(), "application/json", Usage.fromOpenAi(reply.getJsonObject("usage")));
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new GeminiStreamTranslator(request.clientWantsUsage(), request.model());
  }

  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    return OpenAiAdapter.chunksOf(request, reply);
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return GeminiErrors.read(status, headers, body);
  }
}
