package dev.switchboard.provider;

import dev.switchboard.server.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Speaks one provider API on behalf of OpenAI-speaking clients: translates the request, a complete reply, a
 * stream and an error. Adapters are stateless and shared by all event loops; per-stream state lives in the
 * {@link StreamTranslator} they create.
 */
public interface ProviderAdapter {

  /**
   * Why this provider's API cannot serve the request at all (an endpoint or an input it has no equivalent for), as a
   * sentence for the client, or null when it can. Asked before the provider is chosen, so such a request goes to
   * another target or is refused with a clear 400 instead of costing a doomed upstream call; {@link #prepare} may
   * then assume it is servable. Parameters an API lacks are not a reason: adapters drop those.
   */
  default String unsupported(GatewayRequest request) {
    return null;
  }

  /** Builds the upstream request for the given upstream model name. Must not mutate {@code request.body()}. */
  UpstreamRequest prepare(GatewayRequest request, String upstreamModel);

  /**
   * Turns a complete 2xx reply body into the client's reply.
   *
   * @throws IllegalArgumentException when the upstream body is not what the API promises (a broken reply)
   */
  TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body);

  StreamTranslator streamTranslator(GatewayRequest request);

  /**
   * The stream events equivalent to a complete reply, for a provider that answered a streaming request whole.
   *
   * @param reply the client-facing JSON reply (as {@link #translateReply} produced it)
   * @throws IllegalArgumentException when the reply cannot be expressed as a stream
   */
  java.util.List<Buffer> replyAsStream(GatewayRequest request, Buffer reply);

  /** Reads a non-2xx reply. */
  UpstreamError translateError(int status, MultiMap headers, Buffer body);

  /**
   * The request a health probe sends: {@code models} is a free call that proves the API answers and accepts the key;
   * {@code completion} asks for one token of {@code model}. Null when this provider has no such call.
   */
  default UpstreamRequest probe(String mode, String model) {
    return null;
  }
}
