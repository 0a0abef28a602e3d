package dev.switchboard.provider;

import dev.switchboard.api.GatewayRequest;
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

  /**
   * This adapter speaking the client's own API for one request, when its provider serves {@code front.api()}
   * natively: it sends {@link NativeFront#body} upstream (only the model changed) and hands the reply on as it came,
   * reading the usage, the end and in-band errors from it. Null (the default) when the request goes through chat.
   * Asked per attempt, so one request may be relayed natively by one target and translated by the next.
   */
  default ProviderAdapter nativeFormat(dev.switchboard.api.NativeFront front) {
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
   * The request a health probe sends: {@code models} is this API's free model listing (proves the API answers and
   * accepts the key), {@code completion} a one-token chat completion of {@code model}, which is also what
   * {@code models} falls back to for an API without a listing.
   */
  default UpstreamRequest probe(String mode, String model) {
    return probe(mode, model, null);
  }

  /**
   * The request a health probe sends, for any probe mode: {@code embeddings}, {@code images} and {@code speech} send
   * one cheap request of that type (one word embedded, the smallest image, a two-letter speech), so the health of a
   * provider that serves those is proven on them.
   *
   * @param body the configured probe body instead of the mode's default (its model is set to {@code model}), or null
   */
  default UpstreamRequest probe(String mode, String model, io.vertx.core.json.JsonObject body) {
    dev.switchboard.api.Endpoint endpoint = switch (mode) {
      case "embeddings" -> dev.switchboard.api.Endpoint.EMBEDDINGS;
      case "images" -> dev.switchboard.api.Endpoint.IMAGES;
      case "speech" -> dev.switchboard.api.Endpoint.SPEECH;
      default -> null;
    };
    if (endpoint != null || body != null && "completion".equals(mode)) {
      io.vertx.core.json.JsonObject b = body != null ? body.copy() : ProbeBodies.of(endpoint);
      b.put("model", model);
      GatewayRequest request = new GatewayRequest("probe", endpoint == null ? dev.switchboard.api.Endpoint.CHAT
          : endpoint, model, false, false, b, b.toBuffer(), "switchboard-probe", null, null, System.nanoTime());
      return unsupported(request) != null ? null : prepare(request, model);
    }
    return chatProbe(mode, model);
  }

  private UpstreamRequest chatProbe(String mode, String model) {
    io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject().put("model", model).put("max_tokens", 1)
        .put("messages", new io.vertx.core.json.JsonArray()
            .add(new io.vertx.core.json.JsonObject().put("role", "user").put("content", "ping")));
    UpstreamRequest chat = prepare(new GatewayRequest("probe", dev.switchboard.api.Endpoint.CHAT, model, false,
        false, body, body.toBuffer(), "switchboard-probe", null, null, System.nanoTime()), model);
    String models = "completion".equals(mode) ? null : modelsPath();
    if (models == null) {
      return chat;
    }
    MultiMap headers = chat.headers();
    headers.remove(io.vertx.core.http.HttpHeaders.CONTENT_TYPE);
    return new UpstreamRequest(io.vertx.core.http.HttpMethod.GET, models, headers, Buffer.buffer());
  }

  /** Path (below the host) of this API's free model listing, or null when it has none. */
  default String modelsPath() {
    return null;
  }
}
