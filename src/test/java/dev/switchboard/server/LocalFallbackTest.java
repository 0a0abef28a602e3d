package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The shipped conf/switchboard.yaml: out of the box (no provider key: first-run mode) the built-in local provider
 * answers, marked degraded; once a real provider is configured, the local provider never stands in for it.
 */
class LocalFallbackTest {
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",%s\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private final HttpClient http = HttpClient.newHttpClient();

  /** The shipped file as is; only the listener (and a short grace so tests stop quickly) come from outside. */
  private static GatewayUnderTest shipped(Map<String, String> extraEnv) throws Exception {
    String yaml = Files.readString(Path.of("conf/switchboard.yaml"), StandardCharsets.UTF_8)
        .replace("shutdown_grace: 30s", "shutdown_grace: 1s");
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("SWITCHBOARD_PORT", "0");
    env.put("SWITCHBOARD_HOST", "127.0.0.1");
    return GatewayUnderTest.start(yaml, env);
  }

  private HttpResponse<String> post(GatewayUnderTest gw, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertDegradedLocal(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("local");
    assertThat(resp.headers().firstValue("x-switchboard-degraded")).hasValue("true");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("local:200");
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void chatJsonAndStreamAreAnsweredLocallyWhenNoKeyIsSet() throws Exception {
    try (GatewayUnderTest gw = shipped(Map.of())) {
      HttpResponse<String> json = post(gw, "/v1/chat/completions", CHAT.formatted(""));
      assertDegradedLocal(json);
      assertThat(json.headers().firstValue("content-type")).hasValue("application/json");
      JsonObject body = new JsonObject(json.body());
      assertThat(body.getString("object")).isEqualTo("chat.completion");
      assertThat(body.getString("model")).isEqualTo("gpt-4o-mini");
      assertThat(body.getString("system_fingerprint")).isEqualTo("switchboard-local");
      JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
      assertThat(choice.getString("finish_reason")).isEqualTo("stop");
      assertThat(choice.getJsonObject("message").getString("role")).isEqualTo("assistant");
      assertThat(choice.getJsonObject("message").getString("content")).containsIgnoringCase("degraded mode");
      JsonObject usage = body.getJsonObject("usage");
      assertThat(usage.getLong("total_tokens")).isEqualTo(usage.getLong("prompt_tokens")
          + usage.getLong("completion_tokens"));

      HttpResponse<String> stream = post(gw, "/v1/chat/completions", CHAT.formatted("\"stream\":true,"));
      assertDegradedLocal(stream);
      assertThat(stream.headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      List<String> events = SseClient.dataEvents(stream.body());
      assertThat(events).hasSizeGreaterThan(3);
      assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
      StringBuilder text = new StringBuilder();
      String finish = null;
      for (String e : events.subList(0, events.size() - 1)) {
        JsonObject chunk = new JsonObject(e);
        assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
        JsonObject c = chunk.getJsonArray("choices").getJsonObject(0);
        String piece = c.getJsonObject("delta").getString("content");
        if (piece != null) {
          text.append(piece);
        }
        if (c.getString("finish_reason") != null) {
          finish = c.getString("finish_reason");
        }
      }
      assertThat(text.toString()).containsIgnoringCase("degraded mode");
      assertThat(finish).isEqualTo("stop");
    }
  }

  @Test
  void embeddingsBase64AreLittleEndianFloat32OfTheRequestedDimensions() throws Exception {
    try (GatewayUnderTest gw = shipped(Map.of())) {
      int dims = 64;
      HttpResponse<String> resp = post(gw, "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":"
          + "[\"alpha\",\"beta\"],\"encoding_format\":\"base64\",\"dimensions\":" + dims + "}");
      assertDegradedLocal(resp);
      JsonObject body = new JsonObject(resp.body());
      assertThat(body.getString("object")).isEqualTo("list");
      JsonArray data = body.getJsonArray("data");
      assertThat(data).hasSize(2);
      float[][] vectors = new float[2][];
      for (int i = 0; i < 2; i++) {
        JsonObject item = data.getJsonObject(i);
        assertThat(item.getInteger("index")).isEqualTo(i);
        assertThat(item.getString("object")).isEqualTo("embedding");
        byte[] bytes = Base64.getDecoder().decode(item.getString("embedding"));
        assertThat(bytes).hasSize(dims * 4);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[dims];
        double norm = 0;
        for (int d = 0; d < dims; d++) {
          v[d] = buf.getFloat();
          assertThat(Float.isFinite(v[d])).isTrue();
          norm += v[d] * v[d];
        }
        // read as little-endian the vector is a unit vector; any other byte order would not be
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-3));
        vectors[i] = v;
      }
      assertThat(vectors[0]).isNotEqualTo(vectors[1]);

      // deterministic per input, and the float format carries the same numbers
      HttpResponse<String> floats = post(gw, "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":"
          + "\"alpha\",\"dimensions\":" + dims + "}");
      JsonArray arr = new JsonObject(floats.body()).getJsonArray("data").getJsonObject(0).getJsonArray("embedding");
      assertThat(arr).hasSize(dims);
      for (int d = 0; d < dims; d++) {
        assertThat(arr.getDouble(d).floatValue()).isEqualTo(vectors[0][d]);
      }
    }
  }

  /**
   * 2048 inputs × 3072 dimensions is a 20 KB request for a 100+ MB reply: refused before anything is built. A large
   * reply within the limit (here about 10 MB of floats, built off the event loop) still arrives whole and exact.
   */
  @Test
  void embeddingsTooLargeToBuildAreRefusedWhileLargeOnesWithinTheLimitArriveWhole() throws Exception {
    try (GatewayUnderTest gw = shipped(Map.of())) {
      HttpResponse<String> huge = post(gw, "/v1/embeddings", embeddingsBody(2048, 3072, ""));
      assertThat(huge.statusCode()).as("status (body length %d)", huge.body().length()).isEqualTo(400);
      JsonObject error = new JsonObject(huge.body()).getJsonObject("error");
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("param")).isEqualTo("dimensions");
      assertThat(error.getString("code")).isEqualTo("local_reply_too_large");
      assertThat(error.getString("message")).contains("2048 input(s) × 3072 dimensions", "server.max_response_size");

      int inputs = 200;
      int dims = 3072;
      HttpResponse<String> large = post(gw, "/v1/embeddings", embeddingsBody(inputs, dims, ""));
      assertDegradedLocal(large);
      JsonArray data = new JsonObject(large.body()).getJsonArray("data");
      assertThat(data).hasSize(inputs);
      HttpResponse<String> packed = post(gw, "/v1/embeddings", embeddingsBody(inputs, dims,
          ",\"encoding_format\":\"base64\""));
      assertDegradedLocal(packed);
      JsonArray packedData = new JsonObject(packed.body()).getJsonArray("data");
      for (int i = 0; i < inputs; i += 37) {
        JsonObject item = data.getJsonObject(i);
        assertThat(item.getInteger("index")).isEqualTo(i);
        JsonArray values = item.getJsonArray("embedding");
        assertThat(values).hasSize(dims);
        ByteBuffer raw = ByteBuffer.wrap(Base64.getDecoder().decode(packedData.getJsonObject(i).getString("embedding")))
            .order(ByteOrder.LITTLE_ENDIAN);
        double norm = 0;
        for (int d = 0; d < dims; d++) {
          float v = values.getDouble(d).floatValue();
          assertThat(v).as("input %d value %d", i, d).isEqualTo(raw.getFloat());
          norm += v * v;
        }
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-3));
      }
      JsonObject usage = new JsonObject(large.body()).getJsonObject("usage");
      assertThat(usage.getLong("prompt_tokens")).isEqualTo(usage.getLong("total_tokens")).isPositive();
    }
  }

  private static String embeddingsBody(int inputs, int dims, String extra) {
    JsonArray input = new JsonArray();
    for (int i = 0; i < inputs; i++) {
      input.add("text number " + i);
    }
    return new JsonObject().put("model", "text-embedding-3-small").put("input", input).put("dimensions", dims)
        .encode().replaceFirst("}$", extra + "}");
  }

  @Test
  void firstRunModelListNamesOnlyWhatIsServedAndTheFullCatalogueOnRequest() throws Exception {
    try (GatewayUnderTest gw = shipped(Map.of())) {
      HttpResponse<String> resp = gw.get("/v1/models");
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(ids(resp)).as("degraded stand-ins for keyless providers are not listed")
          .containsExactly("switchboard-local");

      HttpResponse<String> all = gw.get("/v1/models?all=true");
      assertThat(all.statusCode()).isEqualTo(200);
      JsonArray data = new JsonObject(all.body()).getJsonArray("data");
      assertThat(ids(all)).contains("gpt-4o-mini", "claude-sonnet-4-5", "switchboard-local", "fast", "smart");
      for (Object o : data) {
        JsonObject m = (JsonObject) o;
        assertThat(m.getBoolean("servable")).as(m.encode()).isEqualTo(m.getString("id").equals("switchboard-local"));
      }
    }
  }

  @Test
  void modelListWithARealProviderNamesItsModelsAndTheAliasesItServes() throws Exception {
    try (FakeProvider upstream = new FakeProvider();
         GatewayUnderTest gw = shipped(Map.of("OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", upstream.baseUrl()))) {
      List<String> ids = ids(gw.get("/v1/models"));
      assertThat(ids).contains("gpt-4o-mini", "gpt-4.1", "fast", "smart", "switchboard-local")
          .doesNotContain("claude-sonnet-4-5", "gemini-2.5-flash", "llama-3.1-8b-instant");
    }
  }

  @Test
  void firstRunModeIsReadyButSaysItIsDegraded() throws Exception {
    try (GatewayUnderTest gw = shipped(Map.of())) {
      HttpResponse<String> ready = gw.get("/ready");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(providersCheck(ready).getJsonObject("data").getBoolean("degraded")).isTrue();
    }
  }

  @Test
  void aConfiguredProviderRefusingItsKeyIsAnErrorNotALocalAnswerAndTheGatewayIsNotReady() throws Exception {
    try (FakeProvider upstream = new FakeProvider();
         GatewayUnderTest gw = shipped(Map.of("OPENAI_API_KEY", "sk-wrong", "OPENAI_BASE_URL", upstream.baseUrl()))) {
      upstream.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key", "Incorrect API key");
      assertThat(gw.get("/ready").statusCode()).as("ready while openai is untested").isEqualTo(200);

      HttpResponse<String> first = post(gw, "/v1/chat/completions", CHAT.formatted(""));
      assertThat(first.statusCode()).as(first.body()).isGreaterThanOrEqualTo(400);
      assertThat(first.headers().firstValue("x-switchboard-degraded")).isEmpty();
      assertThat(first.body()).doesNotContainIgnoringCase("degraded mode");

      HttpResponse<String> second = post(gw, "/v1/chat/completions", CHAT.formatted(""));
      assertThat(second.statusCode()).as("suspended openai is not replaced by local: " + second.body()).isEqualTo(503);
      assertThat(FakeProvider.errorOf(second).getString("code")).isEqualTo("no_provider_available");
      assertThat(second.headers().firstValue("x-switchboard-provider")).isNotEqualTo(java.util.Optional.of("local"));

      HttpResponse<String> ready = gw.get("/ready");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
      assertThat(providersCheck(ready).getJsonObject("data").containsKey("degraded")).isFalse();
    }
  }

  @Test
  void aConfiguredProviderFailingWith500StaysAnErrorEvenOnceItsCircuitOpens() throws Exception {
    try (FakeProvider upstream = new FakeProvider();
         GatewayUnderTest gw = shipped(Map.of("OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", upstream.baseUrl()))) {
      upstream.error("/chat/completions", 500, "server_error", "server_error", "boom");

      // enough failures to open openai's circuit (5 in a row): the requests after that must not turn local either
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> resp = post(gw, "/v1/chat/completions", CHAT.formatted(""));
        assertThat(resp.statusCode()).as("request " + i + ": " + resp.body()).isGreaterThanOrEqualTo(500);
        assertThat(resp.headers().firstValue("x-switchboard-degraded")).isEmpty();
        assertThat(resp.headers().firstValue("x-switchboard-attempts").orElse("")).doesNotContain("local");
      }
    }
  }

  private static List<String> ids(HttpResponse<String> resp) {
    return new JsonObject(resp.body()).getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id"))
        .toList();
  }

  private static JsonObject providersCheck(HttpResponse<String> ready) {
    return new JsonObject(ready.body()).getJsonArray("checks").stream().map(o -> (JsonObject) o)
        .filter(c -> "providers".equals(c.getString("id"))).findFirst().orElseThrow();
  }

  @Test
  void withAnOpenAiKeyRequestsGoUpstreamInsteadOfLocal() throws Exception {
    try (FakeProvider upstream = new FakeProvider();
         GatewayUnderTest gw = shipped(Map.of("OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", upstream.baseUrl()))) {
      upstream.chatJson("real answer");

      HttpResponse<String> resp = post(gw, "/v1/chat/completions", CHAT.formatted(""));

      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
      assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("openai");
      assertThat(resp.headers().firstValue("x-switchboard-degraded")).isEmpty();
      assertThat(new JsonObject(resp.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message")
          .getString("content")).isEqualTo("real answer");
      upstream.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
          .withHeader("Authorization", equalTo("Bearer sk-test")));

      // the `fast` alias skips the disabled groq and lands on openai's gpt-4o-mini
      HttpResponse<String> fast = post(gw, "/v1/chat/completions",
          Requests.chat("fast", "hi").toString());
      assertThat(fast.headers().firstValue("x-switchboard-provider")).hasValue("openai");
      upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
          .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.model",
              equalTo("gpt-4o-mini"))));

      // a model only a keyless provider serves is not faked locally: it names the disabled provider
      HttpResponse<String> claude = post(gw, "/v1/chat/completions",
          Requests.chat("claude-haiku-4-5", "hi").toString());
      assertThat(claude.statusCode()).as(claude.body()).isEqualTo(503);
      assertThat(claude.headers().firstValue("x-switchboard-degraded")).isEmpty();
      JsonObject error = FakeProvider.errorOf(claude);
      assertThat(error.getString("code")).isEqualTo("no_provider_available");
      assertThat(error.getString("message")).contains("anthropic: disabled");

      // a model no provider knows at all is 404
      HttpResponse<String> unknown = post(gw, "/v1/chat/completions",
          Requests.chat("no-such-model", "hi").toString());
      assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
      assertThat(FakeProvider.errorOf(unknown).getString("code")).isEqualTo("model_not_found");
    }
  }
}
