package dev.switchboard.provider.anthropic;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.provider.Usage;
import dev.switchboard.provider.openai.OpenAiAdapter;
import dev.switchboard.server.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}, {@code x-api-key}, {@code anthropic-version}) behind
 * OpenAI's chat completions: requests, replies, streams and errors are translated both ways. Chat only; other
 * endpoints are refused before a provider is chosen.
 */
public final class AnthropicAdapter implements ProviderAdapter {
  private final ProviderConfig config;

  public AnthropicAdapter(ProviderConfig config) {
    this.config = config;
  }

  @Override
  public String unsupported(GatewayRequest request) {
    return AnthropicRequest.unsupported(request);
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    headers.set(HttpHeaders.USER_AGENT, OpenAiAdapter.USER_AGENT);
    if (config.apiKey().isPresent()) {
      headers.set("x-api-key", config.apiKey().reveal());
    }
    headers.set("anthropic-version", config.api().apiVersion());
    config.headers().forEach(headers::set);
    JsonObject body = AnthropicRequest.build(request.body(), upstreamModel, config.api().defaultMaxTokens(),
        request.stream());
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + "/messages", headers, body.toBuffer());
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    JsonObject message;
    try {
      message = new JsonObject(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
    JsonObject completion = AnthropicReply.toOpenAi(message, request.model());
    return new TranslatedReply(completion.toBuffer(), "application/json",
        Usage.fromOpenAi(completion.getJsonObject("usage")));
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new AnthropicStreamTranslator(request.clientWantsUsage(), request.model());
  }

  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    return OpenAiAdapter.chunksOf(request, reply);
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return AnthropicErrors.read(status, headers, body);
  }
}
