package dev.switchboard.provider.openai;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.Usage;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any OpenAI-compatible API. Requests are forwarded as the client sent them (unknown fields included) with only
 * the model name and, for streams, {@code stream_options.include_usage} changed; replies pass through
 * byte-for-byte.
 */
public final class OpenAiAdapter implements ProviderAdapter {
  public static final String USER_AGENT = "switchboard/0.1";
  private final ProviderConfig config;
  private final String authorization;

  public OpenAiAdapter(ProviderConfig config) {
    this.config = config;
    this.authorization = config.apiKey().isPresent() ? "Bearer " + config.apiKey().reveal() : null;
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    Endpoint endpoint = request.endpoint();
    MultiMap headers = headers(request.stream() ? "text/event-stream" : endpoint.binaryReply() ? "*/*" : "application/json");
    return new UpstreamRequest(HttpMethod.POST, config.basePath() + endpoint.upstreamPath(), headers,
        body(request, upstreamModel));
  }

  /** JSON out, {@code accept} in, the key as a bearer token, then the provider's configured static headers. */
  public MultiMap headers(String accept) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaders.ACCEPT, accept);
    headers.set(HttpHeaders.USER_AGENT, USER_AGENT);
    if (authorization != null) {
      headers.set(HttpHeaders.AUTHORIZATION, authorization);
    }
    config.headers().forEach(headers::set);
    return headers;
  }

  /** With {@code responses: true}, Responses requests go to {@code /responses} as they came. */
  @Override
  public ProviderAdapter nativeFormat(dev.switchboard.api.NativeFront front) {
    return config.api().responses() && ResponsesNative.API.equals(front.api())
        ? new ResponsesNative(front, config.id(), config.basePath() + "/responses", stream -> headers(
            stream ? "text/event-stream" : "application/json"), model -> model, this)
        : null;
  }

  @Override
  public String modelsPath() {
    return config.basePath() + "/models";
  }

  private Buffer body(GatewayRequest request, String upstreamModel) {
    boolean renameModel = !upstreamModel.equals(request.model());
    boolean askUsage = asksUsageForTheClient(request);
    boolean anthropicExtras = request.body().containsKey(GatewayRequest.ANTHROPIC_EXTRAS);
    if (!renameModel && !askUsage && !anthropicExtras) {
      return request.rawBody();
    }
    if (!renameModel && !anthropicExtras) {
      Buffer spliced = IncludeUsage.spliced(request);
      if (spliced != null) {
        return spliced;
      }
    }
    // Shallow copy: only top-level keys change, and the client's body is shared with other attempts.
    Map<String, Object> copy = new LinkedHashMap<>(request.body().getMap());
    copy.put("model", upstreamModel);
    // Parameters only Anthropic's API knows: an OpenAI-compatible API would refuse the unknown member.
    copy.remove(GatewayRequest.ANTHROPIC_EXTRAS);
    if (askUsage) {
      Object existing = copy.get("stream_options");
      JsonObject options = existing instanceof JsonObject o ? o.copy()
          : existing instanceof Map<?, ?> m ? new JsonObject(new LinkedHashMap<>(castMap(m))) : new JsonObject();
      options.put("include_usage", true);
      copy.put("stream_options", options);
    }
    return new JsonObject(copy).toBuffer();
  }

  /** Whether Switchboard, not the client, sets {@code stream_options.include_usage} on this request upstream. */
  private boolean asksUsageForTheClient(GatewayRequest request) {
    return request.stream() && config.streamUsage() && !request.clientWantsUsage();
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
    // Every check and the usage scan read the reply's bytes where they lie (a copy only for a direct buffer).
    dev.switchboard.api.ByteBufs.Range range = dev.switchboard.api.ByteBufs.inPlace(body);
    byte[] bytes = range.array();
    int from = range.from();
    int to = range.to();
    if (UsageScanner.firstNonBlank(bytes, from, to) != '{' || UsageScanner.lastNonBlank(bytes, from, to) != '}') {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
    if (UsageScanner.startsWithErrorKey(bytes, from, to)) {
      JsonObject error = null;
      try {
        error = new JsonObject(body).getJsonObject("error");
      } catch (RuntimeException ignored) {
        // fall through to the generic message
      }
      throw new IllegalArgumentException("the provider replied 2xx with an error body: "
          + (error == null ? "unreadable" : OpenAiErrors.safeMessage(error)));
    }
    return new TranslatedReply(body, contentType == null ? "application/json" : contentType, UsageScanner.find(bytes, from, to));
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return new OpenAiStreamTranslator(request.clientWantsUsage(), asksUsageForTheClient(request));
  }

  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    return chunksOf(request, reply);
  }

  /**
   * The stream events equivalent to a complete OpenAI-shaped reply; shared with the adapters that translate other
   * APIs into that shape.
   */
  public static List<Buffer> chunksOf(GatewayRequest request, Buffer reply) {
    JsonObject whole;
    try {
      whole = new JsonObject(reply);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the provider's reply is not a JSON object");
    }
    if (whole.getValue("error") instanceof JsonObject e) {
      throw new IllegalArgumentException("the provider replied 2xx with an error body: " + OpenAiErrors.safeMessage(e));
    }
    if (!(whole.getValue("choices") instanceof JsonArray found) || found.isEmpty()) {
      throw new IllegalArgumentException("the provider's reply has no choices");
    }
    List<Buffer> events = new ArrayList<>();
    JsonObject usage = whole.getValue("usage") instanceof JsonObject u ? u : null;
    JsonArray choices = whole.getValue("choices") instanceof JsonArray c ? c : new JsonArray();
    boolean chat = "chat.completion".equals(whole.getString("object")) || request.endpoint() == Endpoint.CHAT;
    for (Object c : choices) {
      if (!(c instanceof JsonObject choice)) {
        continue;
      }
      JsonObject out = new JsonObject().put("index", choice.getValue("index", 0));
      if (chat) {
        JsonObject message = choice.getValue("message") instanceof JsonObject m ? m.copy() : new JsonObject();
        if (message.getValue("tool_calls") instanceof JsonArray calls) {
          // Stream deltas identify each tool call by its position.
          JsonArray indexed = new JsonArray();
          for (int i = 0; i < calls.size(); i++) {
            Object call = calls.getValue(i);
            indexed.add(call instanceof JsonObject o ? o.copy().put("index", i) : call);
          }
          message.put("tool_calls", indexed);
        }
        out.put("delta", message);
      } else {
        out.put("text", choice.getValue("text", ""));
      }
      out.put("logprobs", choice.getValue("logprobs")).put("finish_reason", choice.getValue("finish_reason", "stop"));
      events.add(chunk(whole, chat, new JsonArray().add(out)).toBuffer());
    }
    if (usage != null && request.clientWantsUsage()) {
      events.add(chunk(whole, chat, new JsonArray()).put("usage", usage).toBuffer());
    }
    return events;
  }

  private static JsonObject chunk(JsonObject whole, boolean chat, JsonArray choices) {
    JsonObject chunk = new JsonObject()
        .put("id", whole.getValue("id"))
        .put("object", chat ? "chat.completion.chunk" : "text_completion")
        .put("created", whole.getValue("created"))
        .put("model", whole.getValue("model"));
    if (whole.containsKey("system_fingerprint")) {
      chunk.put("system_fingerprint", whole.getValue("system_fingerprint"));
    }
    return chunk.put("choices", choices);
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return OpenAiErrors.read(status, headers, body);
  }
}
