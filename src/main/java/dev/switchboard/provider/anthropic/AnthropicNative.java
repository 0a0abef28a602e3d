package dev.switchboard.provider.anthropic;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.NativeFront;
import dev.switchboard.api.Usage;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.NativeBodies;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * An Anthropic provider serving one Messages-API request natively: the client's body goes upstream with only
 * {@code model} changed, the reply comes back unchanged, and the gateway only reads its usage
 * ({@link AnthropicNativeStream} for streams). Errors read as for translated requests. One per attempt.
 */
final class AnthropicNative implements ProviderAdapter {
  static final String API = "messages";

  private final AnthropicAdapter adapter;
  private final ProviderConfig config;
  private final NativeFront front;

  AnthropicNative(AnthropicAdapter adapter, ProviderConfig config, NativeFront front) {
    this.adapter = adapter;
    this.config = config;
    this.front = front;
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + "/messages",
        adapter.nativeHeaders(request, front.apiHeaders()), NativeBodies.withModel(front, config.id(), upstreamModel));
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    JsonObject message = NativeBodies.reply(body);
    Usage usage = message.getValue("usage") instanceof JsonObject u ? AnthropicReply.usage(u, Usage.NONE) : Usage.NONE;
    return new TranslatedReply(body, "application/json", usage);
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new AnthropicNativeStream();
  }

  /** Anthropic streams what is asked to stream; a whole reply instead is broken, and the chain may go elsewhere. */
  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    throw new IllegalArgumentException("the provider answered a streaming Messages request with a whole reply");
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return adapter.translateError(status, headers, body);
  }
}
