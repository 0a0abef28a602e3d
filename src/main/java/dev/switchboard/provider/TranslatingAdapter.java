package dev.switchboard.provider;

import dev.switchboard.api.Usage;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.openai.OpenAiAdapter;
import dev.switchboard.provider.openai.OpenAiErrors;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What the adapters of non-OpenAI APIs share: upstream headers with the key in the provider's own header, reading a
 * JSON reply and handing the translated one on with its usage, and turning a whole reply into stream events.
 */
public abstract class TranslatingAdapter implements ProviderAdapter {
  protected final ProviderConfig config;
  private final String keyHeader;

  /** @param keyHeader the header that carries the provider key (x-api-key, x-goog-api-key) */
  protected TranslatingAdapter(ProviderConfig config, String keyHeader) {
    this.config = config;
    this.keyHeader = keyHeader;
  }

  /** Both APIs list their models at {@code /models} below the API root. */
  @Override
  public String modelsPath() {
    return config.basePath() + "/models";
  }

  /** JSON in and out, the key in its header, then the provider's configured static headers. */
  protected MultiMap headers(GatewayRequest request) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    headers.set(HttpHeaders.USER_AGENT, OpenAiAdapter.USER_AGENT);
    if (config.apiKey().isPresent()) {
      headers.set(keyHeader, config.apiKey().reveal());
    }
    config.headers().forEach(headers::set);
    return headers;
  }

  /**
   * The provider's complete reply in OpenAI's shape.
   *
   * @throws IllegalArgumentException when the reply is not what the provider's API promises
   */
  protected abstract JsonObject toOpenAi(GatewayRequest request, JsonObject reply);

  @Override
  public final TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    JsonObject reply;
    try {
      reply = new JsonObject(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
    JsonObject translated = toOpenAi(request, reply);
    return new TranslatedReply(translated.toBuffer(), "application/json",
        Usage.fromOpenAi(translated.getJsonObject("usage")));
  }

  @Override
  public final List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    return OpenAiAdapter.chunksOf(request, reply);
  }

  @Override
  public final UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    JsonObject error = errorObject(body);
    long retryAfter = OpenAiErrors.retryAfterMillis(headers);
    return error == null ? new UpstreamError(status, "HTTP " + status, null, null, null, retryAfter)
        : readError(status, error, retryAfter);
  }

  /**
   * The provider's {@code error} object as an {@link UpstreamError} whose status and code the gateway's error
   * classes understand.
   *
   * @param status the HTTP status, or 0 for an error that came in-band in a stream
   */
  protected abstract UpstreamError readError(int status, JsonObject error, long retryAfterMillis);

  /** The {@code error} object of an error body (also inside a one-element array, as Gemini sends it), or null. */
  private static JsonObject errorObject(Buffer body) {
    try {
      Object parsed = body == null || body.length() == 0 ? null : Json.decodeValue(body);
      if (parsed instanceof JsonArray a && !a.isEmpty()) {
        parsed = a.getValue(0);
      }
      return parsed instanceof JsonObject o && o.getValue("error") instanceof JsonObject e ? e : null;
    } catch (RuntimeException notJson) {
      // a proxy's error page: the status says enough
      return null;
    }
  }

  /** An error's message, scrubbed of anything key-like; "HTTP status" when there is none. */
  public static String errorMessage(JsonObject error, int status) {
    return error.getValue("message") instanceof String m && !m.isBlank() ? OpenAiErrors.scrub(m)
        : status > 0 ? "HTTP " + status : "error without a message";
  }
}
