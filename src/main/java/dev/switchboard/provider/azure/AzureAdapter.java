package dev.switchboard.provider.azure;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.provider.openai.OpenAiAdapter;
import dev.switchboard.provider.openai.ResponsesNative;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Azure OpenAI's deployment URLs: {@code /openai/deployments/{deployment}/chat/completions?api-version=…} with the
 * key in an {@code api-key} header. Bodies, replies, streams and errors are OpenAI's, so everything but the URL and
 * the key is the OpenAI adapter's.
 */
public final class AzureAdapter implements ProviderAdapter {
  private final ProviderConfig config;
  private final OpenAiAdapter openAi;
  private final String deploymentsPath;
  private final String query;

  public AzureAdapter(ProviderConfig config) {
    this.config = config;
    this.openAi = new OpenAiAdapter(config);
    String base = config.basePath();
    // base_url is the resource endpoint (https://RESOURCE.openai.azure.com), with or without the /openai root.
    this.deploymentsPath = (base.endsWith("/openai") ? base : base + "/openai") + "/deployments/";
    this.query = "?api-version=" + URLEncoder.encode(config.api().apiVersion(), StandardCharsets.UTF_8);
  }

  @Override
  public String modelsPath() {
    // deploymentsPath is ".../openai/deployments/": the listing sits beside it.
    return deploymentsPath.substring(0, deploymentsPath.length() - "deployments/".length()) + "models" + query;
  }

  @Override
  public UpstreamRequest prepare(GatewayRequest request, String upstreamModel) {
    UpstreamRequest openAiRequest = openAi.prepare(request, upstreamModel);
    MultiMap headers = openAiRequest.headers();
    headers.remove(HttpHeaders.AUTHORIZATION);
    if (config.apiKey().isPresent()) {
      headers.set("api-key", config.apiKey().reveal());
    }
    config.headers().forEach(headers::set);
    String deployment = URLEncoder.encode(config.api().deploymentFor(upstreamModel), StandardCharsets.UTF_8)
        .replace("+", "%20");
    return new UpstreamRequest(openAiRequest.method(),
        deploymentsPath + deployment + request.endpoint().upstreamPath() + query, headers, openAiRequest.body());
  }

  /**
   * With {@code responses: true}, Responses requests go as they came to the resource's v1 API
   * ({@code /openai/v1/responses}, no api-version), which takes the deployment name as the model.
   */
  @Override
  public ProviderAdapter nativeFormat(dev.switchboard.api.NativeFront front) {
    if (!config.api().responses() || !ResponsesNative.API.equals(front.api())) {
      return null;
    }
    String v1 = deploymentsPath.substring(0, deploymentsPath.length() - "deployments/".length()) + "v1/responses";
    return new ResponsesNative(front, config.id(), v1, stream -> {
      MultiMap headers = openAi.headers(stream ? "text/event-stream" : "application/json");
      headers.remove(HttpHeaders.AUTHORIZATION);
      if (config.apiKey().isPresent()) {
        headers.set("api-key", config.apiKey().reveal());
      }
      config.headers().forEach(headers::set);
      return headers;
    }, model -> config.api().deploymentFor(model), openAi);
  }

  @Override
  public TranslatedReply translateReply(GatewayRequest request, String contentType, Buffer body) {
    return openAi.translateReply(request, contentType, body);
  }

  @Override
  public StreamTranslator streamTranslator(GatewayRequest request) {
    return openAi.streamTranslator(request);
  }

  @Override
  public List<Buffer> replyAsStream(GatewayRequest request, Buffer reply) {
    return openAi.replyAsStream(request, reply);
  }

  @Override
  public UpstreamError translateError(int status, MultiMap headers, Buffer body) {
    return openAi.translateError(status, headers, body);
  }
}
