package dev.switchboard.provider.openai;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.provider.Usage;
import dev.switchboard.server.Endpoint;
import dev.switchboard.server.GatewayRequest;
import dev.switchboard.server.RequestValidator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any OpenAI-compatible API. Requests are forwarded as the client sent them (unknown fields included) with only
 * the model name and, for streams, {@code stream_options.include_usage} changed; replies pass through
 * byte-for-byte.
 */
public final class OpenAiAdapter implements ProviderAdapter {
  private static final String USER_AGENT = "switchboard/0.1";
  private final ProviderConfig config;
  private final String authorization;

  public OpenAiAdapter(ProviderConfig config) {
    this.config = config;
    this.authorization = config.apiKey().isPresent() ? "Bearer " + config.apiKey().reveal() : null;
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    Endpoint endpoint = request.endpoint();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : endpoint.binaryReply() ? "*/*" : "application/json");
    headers.set(HttpHeaders.USER_AGENT, USER_AGENT);
    if (authorization != null) {
      headers.set(HttpHeaders.AUTHORIZATION, authorization);
    }
    config.headers().forEach(headers::set);
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + endpoint.upstreamPath(), headers,
        body(request, upstreamModel));
  }

  private Buffer body(GatewayRequest request, String upstreamModel) {
    boolean renameModel = !upstreamModel.equals(request.model());
    boolean askUsage = request.stream() && config.streamUsage() && !request.clientWantsUsage();
    if (!renameModel && !askUsage) {
      return request.rawBody();
    }
    // Shallow copy: only top-level keys change, and the client's body is shared with other attempts.
    Map<String, Object> copy = new LinkedHashMap<>(request.body().getMap());
    copy.put("model", upstreamModel);
    if (askUsage) {
      Object existing = copy.get("stream_options");
      JsonObject options = existing instanceof JsonObject o ? o.copy()
          : existing instanceof Map<?, ?> m ? new JsonObject(new LinkedHashMap<>(castMap(m))) : new JsonObject();
      options.put("include_usage", true);
      copy.put("stream_options", options);
    }
    return new JsonObject(copy).toBuffer();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    if (request.endpoint().binaryReply()) {
      return new TranslatedReply(body, contentType, Usage.NONE);
    }
    if (RequestValidator.firstNonBlank(body) != '{' || UsageScanner.lastNonBlank(body) != '}') {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
    if (UsageScanner.startsWithErrorKey(body)) {
      JsonObject error = null;
      try {
        error = new JsonObject(body).getJsonObject("error");
      } catch (RuntimeException ignored) {
        // fall through to the generic message
      }
      throw new IllegalArgumentException("the provider replied 2xx with an error body: "
          + (error == null ? "unreadable" : OpenAiErrors.safeMessage(error)));
    }
    return new TranslatedReply(body, contentType == null ? "application/json" : contentType, UsageScanner.find(body));
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new OpenAiStreamTranslator(request.clientWantsUsage());
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return OpenAiErrors.read(status, headers, body);
  }
}
