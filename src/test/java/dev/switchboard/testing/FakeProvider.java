package dev.switchboard.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * A WireMock server that plays an OpenAI-compatible provider: canned JSON and SSE replies, errors and faults.
 * Use {@link #server()} for anything the helpers do not cover, and {@link #providerYaml} to configure the
 * gateway against it.
 */
public final class FakeProvider implements AutoCloseable {
  private final WireMockServer server;

  public FakeProvider() {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
  }

  public WireMockServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  /** A provider entry for the gateway config, under {@code providers:}. */
  public String providerYaml(String id, String apiKey, String... models) {
    return "  " + id + ":\n"
        + "    type: openai\n"
        + "    base_url: " + baseUrl() + "\n"
        + (apiKey == null ? "" : "    api_key: " + apiKey + "\n")
        + "    models: [" + String.join(", ", models) + "]\n";
  }

  /** The server's root, for providers whose API root has another path (Gemini's /v1beta) or none (Azure). */
  public String rootUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /**
   * A provider entry of any type for the gateway config, under {@code providers:}: its base_url is
   * {@link #rootUrl()} + {@code basePath}; {@code extra} lines (already indented) are appended.
   */
  public String providerYaml(String id, String type, String basePath, String apiKey, List<String> models,
                             String... extra) {
    StringBuilder sb = new StringBuilder()
        .append("  ").append(id).append(":\n")
        .append("    type: ").append(type).append("\n")
        .append("    base_url: ").append(rootUrl()).append(basePath).append("\n");
    if (apiKey != null) {
      sb.append("    api_key: ").append(apiKey).append("\n");
    }
    sb.append("    models: [").append(String.join(", ", models)).append("]\n");
    for (String line : extra) {
      sb.append(line).append("\n");
    }
    return sb.toString();
  }

  /** An SSE reply whose body is given whole (named events and all), e.g. a recorded fixture. */
  public static ResponseDefinitionBuilder sseReply(String body) {
    return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(body);
  }

  /** A JSON reply with the given status. */
  public static ResponseDefinitionBuilder jsonReply(int status, String body) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
  }

  /** The one POST this server received at a URL path (query aside), failing if it received none or several. */
  public com.github.tomakehurst.wiremock.verification.LoggedRequest onlyRequest(String urlPath) {
    List<com.github.tomakehurst.wiremock.verification.LoggedRequest> requests = server.findAll(
        com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathEqualTo(urlPath)));
    if (requests.size() != 1) {
      throw new AssertionError("expected one POST to " + urlPath + ", got " + requests.size());
    }
    return requests.get(0);
  }

  /** The {@code error} object of an OpenAI-shaped error reply. */
  public static JsonObject errorOf(java.net.http.HttpResponse<String> resp) {
    return new JsonObject(resp.body()).getJsonObject("error");
  }

  public void stub(String path, ResponseDefinitionBuilder response) {
    server.stubFor(post(urlPathEqualTo("/v1" + path)).willReturn(response));
  }

  public void stub(MappingBuilder mapping) {
    server.stubFor(mapping);
  }

  public void chatJson(String content) {
    stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(chatCompletion("chatcmpl-test", "gpt-test", content).encode()));
  }

  public void chatStream(List<String> events) {
    stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withBody(sse(events)));
  }

  public void error(String path, int status, String type, String code, String message) {
    stub(path, aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody(errorBody(type, code, message).encode()));
  }

  public void fault(String path, Fault fault) {
    stub(path, aResponse().withFault(fault));
  }

  public static JsonObject chatCompletion(String id, String model, String content) {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", 1_700_000_000L)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("message", new JsonObject().put("role", "assistant").put("content", content))
            .put("finish_reason", "stop")))
        .put("usage", new JsonObject().put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18));
  }

  public static JsonObject errorBody(String type, String code, String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", null).put("code", code));
  }

  /** Chunks of a streamed chat completion: role, one per piece of text, finish, then usage. No [DONE]. */
  public static List<String> chatChunks(String id, String model, String... pieces) {
    List<String> out = new ArrayList<>();
    out.add(chunk(id, model, new JsonObject().put("role", "assistant").put("content", ""), null).encode());
    for (String p : pieces) {
      out.add(chunk(id, model, new JsonObject().put("content", p), null).encode());
    }
    out.add(chunk(id, model, new JsonObject(), "stop").encode());
    out.add(new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", 1_700_000_000L)
        .put("model", model).put("choices", new JsonArray())
        .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", pieces.length)
            .put("total_tokens", 5 + pieces.length)).encode());
    return out;
  }

  public static JsonObject chunk(String id, String model, JsonObject delta, String finish) {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", 1_700_000_000L)
        .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
            .put("finish_reason", finish)));
  }

  /** An SSE body: each payload as a data event, then [DONE]. */
  public static String sse(List<String> payloads) {
    StringBuilder sb = new StringBuilder();
    for (String p : payloads) {
      sb.append("data: ").append(p).append("\n\n");
    }
    return sb.append("data: [DONE]\n\n").toString();
  }

  @Override
  public void close() {
    server.stop();
  }
}
