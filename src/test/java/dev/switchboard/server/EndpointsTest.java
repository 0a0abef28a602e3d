package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The non-chat OpenAI endpoints and the model list, against a WireMock upstream. */
class EndpointsTest {
  private static final String KEY = "sk-endpoints-provider-key";
  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.empty().provider("up", upstream, KEY, "gpt-real", "gpt-3.5-turbo-instruct",
            "text-embedding-3-small", "dall-e-3", "tts-1", "shared-model", "meta-llama/llama-3-8b")
        .provider("offline", "type: openai", "base_url: http://127.0.0.1:9/v1", "api_key: sk-never-used",
            "enabled: false", "models: [off-only, shared-model]")
        .model("embed", "up/text-embedding-3-small").model("offalias", "offline/off-only").start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return gateway.post(path, body);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return gateway.get(path);
  }

  @Test
  void completionsJsonPassesThrough() throws Exception {
    String reply = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"text\":\" world\",\"index\":0,\"logprobs\":null,"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}";
    upstream.stub("/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply));
    String body = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hello\",\"max_tokens\":5,\"echo\":false}";

    HttpResponse<String> resp = post("/v1/completions", body);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(reply);
    assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:200");
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/completions"))
        .withHeader("Authorization", equalTo("Bearer " + KEY))
        .withRequestBody(equalToJson(body)));
  }

  @Test
  void embeddingsForwardInputAndPassTheReplyThrough() throws Exception {
    String reply = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,-0.25]},"
        + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[0.5,0.125]}],\"model\":\"text-embedding-3-small\","
        + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
    upstream.stub("/embeddings", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply));
    String body = "{\"model\":\"embed\",\"input\":[\"first text\",\"second text\"],\"dimensions\":2,"
        + "\"encoding_format\":\"float\",\"user\":\"u-1\"}";

    HttpResponse<String> resp = post("/v1/embeddings", body);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(reply);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    // alias resolved to the provider's model name, everything else forwarded untouched
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/embeddings"))
        .withRequestBody(equalToJson(new JsonObject(body).put("model", "text-embedding-3-small").encode())));
  }

  @Test
  void imageGenerationIsProxied() throws Exception {
    String reply = "{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/a.png\","
        + "\"revised_prompt\":\"a red fox\"}]}";
    upstream.stub("/images/generations", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(reply));
    String body = "{\"model\":\"dall-e-3\",\"prompt\":\"a fox\",\"n\":1,\"size\":\"1024x1024\"}";

    HttpResponse<String> resp = post("/v1/images/generations", body);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(reply);
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/images/generations"))
        .withRequestBody(equalToJson(body)));
  }

  @Test
  void speechBinaryPassesThroughByteIdentical() throws Exception {
    byte[] audio = new byte[300_000];
    new Random(42).nextBytes(audio);
    upstream.stub("/audio/speech", aResponse().withStatus(200).withHeader("Content-Type", "audio/mpeg")
        .withBody(audio));
    String body = "{\"model\":\"tts-1\",\"input\":\"Hello there\",\"voice\":\"alloy\",\"response_format\":\"mp3\"}";

    HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/audio/speech"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValue("audio/mpeg");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(resp.body()).hasSize(audio.length).isEqualTo(audio);
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/audio/speech")).withRequestBody(equalToJson(body)));
  }

  @Test
  void modelListIsTheUnionOfEnabledProviderModelsAndAliases() throws Exception {
    HttpResponse<String> resp = get("/v1/models");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
    JsonObject list = new JsonObject(resp.body());
    assertThat(list.getString("object")).isEqualTo("list");
    JsonArray data = list.getJsonArray("data");
    List<String> ids = data.stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toList());
    // off-only and offalias are served only by a disabled provider; shared-model also by `up`
    assertThat(ids).containsExactlyInAnyOrder("gpt-real", "gpt-3.5-turbo-instruct", "text-embedding-3-small",
        "dall-e-3", "tts-1", "shared-model", "meta-llama/llama-3-8b", "embed");
    for (Object o : data) {
      JsonObject m = (JsonObject) o;
      assertThat(m.fieldNames()).containsExactlyInAnyOrder("id", "object", "created", "owned_by");
      assertThat(m.getString("object")).isEqualTo("model");
      assertThat(m.getValue("created")).isInstanceOf(Number.class);
      assertThat(m.getString("owned_by")).isEqualTo(m.getString("id").equals("embed") ? "switchboard" : "up");
    }
  }

  @Test
  void singleModelAndUnknownModel() throws Exception {
    HttpResponse<String> found = get("/v1/models/gpt-real");
    assertThat(found.statusCode()).isEqualTo(200);
    JsonObject m = new JsonObject(found.body());
    assertThat(m.getString("id")).isEqualTo("gpt-real");
    assertThat(m.getString("object")).isEqualTo("model");
    assertThat(m.getString("owned_by")).isEqualTo("up");

    HttpResponse<String> alias = get("/v1/models/embed");
    assertThat(alias.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(alias.body()).getString("owned_by")).isEqualTo("switchboard");

    for (String missing : List.of("no-such-model", "off-only")) {
      HttpResponse<String> resp = get("/v1/models/" + missing);
      assertThat(resp.statusCode()).as(missing).isEqualTo(404);
      JsonObject err = new JsonObject(resp.body()).getJsonObject("error");
      assertThat(err.getString("code")).isEqualTo("model_not_found");
      assertThat(err.getString("param")).isEqualTo("model");
      assertThat(err.getString("type")).isEqualTo("invalid_request_error");
      assertThat(err.getString("message")).contains(missing);
    }
  }

  @Test
  void listedModelWithASlashCanBeRetrieved() throws Exception {
    // OpenRouter/Groq style ids ("meta-llama/llama-3-8b") are listed by GET /v1/models; retrieving one must work too.
    HttpResponse<String> resp = get("/v1/models/meta-llama/llama-3-8b");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getString("id")).isEqualTo("meta-llama/llama-3-8b");
    // SDKs that percent-encode path parameters send the slash as %2F
    HttpResponse<String> encoded = get("/v1/models/meta-llama%2Fllama-3-8b");
    assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(200);
    assertThat(new JsonObject(encoded.body()).getString("id")).isEqualTo("meta-llama/llama-3-8b");
  }

  @Test
  void disabledProvidersModelsAreListedOnlyInTheFullCatalogue() throws Exception {
    try (GatewayUnderTest withLocal = GatewayUnderTest.start("""
        providers:
          offline:
            type: openai
            base_url: http://127.0.0.1:9/v1
            enabled: false
            models: [off-only]
          local:
            type: local
            models: [switchboard-local]
        models:
          offalias:
            targets:
              - {provider: offline, model: off-only}
        """)) {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(withLocal.baseUrl() + "/v1/models"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).isEqualTo(200);
      List<String> ids = new JsonObject(resp.body()).getJsonArray("data").stream()
          .map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toList());
      assertThat(ids).as("the first-run fallback's stand-ins are not listed").containsExactly("switchboard-local");

      HttpResponse<String> all = http.send(HttpRequest.newBuilder(URI.create(withLocal.baseUrl()
          + "/v1/models?all=true")).GET().build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Boolean> servable = new JsonObject(all.body()).getJsonArray("data").stream()
          .map(o -> (JsonObject) o).collect(Collectors.toMap(o -> o.getString("id"), o -> o.getBoolean("servable")));
      assertThat(servable).containsExactlyInAnyOrderEntriesOf(Map.of("off-only", false, "offalias", false,
          "switchboard-local", true));
    }
  }
}
