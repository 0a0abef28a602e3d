package dev.switchboard.provider.openai;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.NativeFront;
import dev.switchboard.api.Usage;
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
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A provider that serves OpenAI's Responses API ({@code responses: true}) answering one Responses request natively:
 * the client's body goes upstream with only {@code model} changed, the response object or event stream comes back
 * unchanged, and the gateway reads its usage ({@link ResponsesNativeStream} for streams). OpenAI and Azure differ
 * only in the path, the key header and the model name, which they pass in. One per attempt.
 */
public final class ResponsesNative implements ProviderAdapter {
  public static final String API = "responses";

  private final NativeFront front;
  private final String providerId;
  private final String path;
  private final Function<Boolean, MultiMap> headers;
  private final UnaryOperator<String> upstreamName;
  private final ProviderAdapter errors;

  /**
   * @param path the Responses endpoint below the host
   * @param headers the upstream headers for a stream (true) or a whole reply
   * @param upstreamName the model name the API takes for a target's model (Azure's deployment)
   * @param errors reads error replies (OpenAI's shape)
   */
  public ResponsesNative(NativeFront front, String providerId, String path, Function<Boolean, MultiMap> headers,
                         UnaryOperator<String> upstreamName, ProviderAdapter errors) {
    this.front = front;
    this.providerId = providerId;
    this.path = path;
    this.headers = headers;
    this.upstreamName = upstreamName;
    this.errors = errors;
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    return new UpstreamRequest(HttpMethod.POST, path, headers.apply(request.stream()),
        NativeBodies.withModel(front, providerId, upstreamName.apply(upstreamModel)));
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    return new TranslatedReply(body, "application/json", usage(NativeBodies.reply(body).getValue("usage")));
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new ResponsesNativeStream();
  }

  /** A provider that answers a Responses stream whole is broken: the chain may go elsewhere. */
  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    throw new IllegalArgumentException("the provider answered a streaming Responses request with a whole reply");
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return errors.translateError(status, headers, body);
  }

  /** A Responses {@code usage} object in the gateway's terms (input, output, total, cached input); absent is none. */
  static Usage usage(Object value) {
    if (!(value instanceof JsonObject u)) {
      return Usage.NONE;
    }
    long input = u.getValue("input_tokens") instanceof Number n ? n.longValue() : 0;
    long output = u.getValue("output_tokens") instanceof Number n ? n.longValue() : 0;
    long total = u.getValue("total_tokens") instanceof Number n ? n.longValue() : input + output;
    long cached = u.getValue("input_tokens_details") instanceof JsonObject d
        && d.getValue("cached_tokens") instanceof Number n ? n.longValue() : 0;
    return new Usage(input, output, total, cached);
  }
}
