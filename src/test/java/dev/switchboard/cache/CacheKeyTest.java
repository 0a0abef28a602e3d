package dev.switchboard.cache;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.switchboard.cache.CacheTesting.chat;
import static dev.switchboard.cache.CacheTesting.key;
import static dev.switchboard.cache.CacheTesting.request;
import static dev.switchboard.cache.CacheTesting.route;
import static org.assertj.core.api.Assertions.assertThat;

class CacheKeyTest {
  private static final String BASE = """
      {"model":"gpt-real","temperature":0,"top_p":1,"seed":7,"n":1,"max_tokens":100,"stop":["END"],
       "presence_penalty":0,"frequency_penalty":0,"logit_bias":{"50256":-100},
       "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],
       "tool_choice":"auto","response_format":{"type":"json_object"},
       "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}""";

  @Test
  void keyIsSixtyFourHexDigitsAndStable() {
    assertThat(key(BASE)).matches("[0-9a-f]{64}").isEqualTo(key(BASE));
  }

  @Test
  void keyOrderDoesNotMatterAtAnyDepth() {
    String reordered = """
        {"messages":[{"content":"be brief","role":"system"},{"content":"hi","role":"user"}],
         "response_format":{"type":"json_object"},"tool_choice":"auto",
         "tools":[{"function":{"parameters":{"properties":{},"type":"object"},"name":"f"},"type":"function"}],
         "logit_bias":{"50256":-100},"frequency_penalty":0,"presence_penalty":0,"stop":["END"],"max_tokens":100,
         "n":1,"seed":7,"top_p":1,"temperature":0,"model":"gpt-real"}""";
    assertThat(key(reordered)).isEqualTo(key(BASE));
  }

  @Test
  void numberFormsOfOneValueAreOneKey() {
    String a = BASE.replace("\"top_p\":1", "\"top_p\":1.0").replace("\"temperature\":0", "\"temperature\":0.0")
        .replace("\"presence_penalty\":0", "\"presence_penalty\":0e0").replace("-100", "-1.00e2");
    assertThat(key(a)).isEqualTo(key(BASE));
    assertThat(CacheKey.number(1)).isEqualTo(CacheKey.number(1.0)).isEqualTo(CacheKey.number(1e0)).isEqualTo("1");
    assertThat(CacheKey.number(0.5)).isEqualTo("5e-1");
    assertThat(CacheKey.number(100L)).isEqualTo(CacheKey.number(100.0)).isEqualTo("1e2");
    assertThat(CacheKey.number(-0.0)).isEqualTo(CacheKey.number(0)).isEqualTo("0");
    assertThat(CacheKey.number(new java.math.BigInteger("123456789012345678901234567890")))
        .isEqualTo("12345678901234567890123456789e1");
  }

  @Test
  void canonicalJsonSortsKeysAndKeepsArrayOrder() {
    assertThat(CacheKey.canonical(new JsonObject("{\"b\":[3,1.0,{\"z\":1,\"a\":\"x\\\"y\"}],\"a\":null}")))
        .isEqualTo("{\"a\":null,\"b\":[3,1,{\"a\":\"x\\\"y\",\"z\":1}]}");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"temperature\":0|\"temperature\":0.2",
      "\"top_p\":1|\"top_p\":0.9",
      "\"seed\":7|\"seed\":8",
      "\"n\":1|\"n\":2",
      "\"max_tokens\":100|\"max_tokens\":101",
      "[\"END\"]|[\"STOP\"]",
      "\"presence_penalty\":0|\"presence_penalty\":0.1",
      "\"frequency_penalty\":0|\"frequency_penalty\":0.1",
      "-100|100",
      "\"name\":\"f\"|\"name\":\"g\"",
      "\"tool_choice\":\"auto\"|\"tool_choice\":\"none\"",
      "\"json_object\"|\"text\"",
      "\"content\":\"hi\"|\"content\":\"hi \"",
      "be brief|be Brief",
      "\"role\":\"system\"|\"role\":\"developer\"",
      "\"model\":\"gpt-real\"|\"model\":\"fast\""})
  void anyParameterThatChangesTheAnswerChangesTheKey(String change) {
    String[] parts = change.split("\\|");
    assertThat(BASE).contains(parts[0]);
    assertThat(key(BASE.replace(parts[0], parts[1]))).isNotEqualTo(key(BASE));
  }

  @Test
  void unknownFieldsAreKeyedSoTheyCanOnlyCostAMiss() {
    assertThat(key(BASE.replace("{\"model\"", "{\"reasoning_effort\":\"high\",\"model\""))).isNotEqualTo(key(BASE));
  }

  @Test
  void fieldsThatDoNotChangeTheAnswerAreIgnored() {
    String withUser = BASE.replace("{\"model\"", "{\"user\":\"u-1\",\"safety_identifier\":\"s\",\"metadata\":{\"a\":\"b\"},"
        + "\"model\"");
    assertThat(key(withUser)).isEqualTo(key(BASE));
  }

  @Test
  void streamFlagStreamOptionsEndpointNamespaceAndPinAreKeyed() {
    GatewayRequest plain = chat(BASE);
    GatewayRequest stream = chat(BASE.replace("{\"model\"", "{\"stream\":true,\"model\""));
    GatewayRequest withUsage = chat(BASE.replace("{\"model\"",
        "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\""));
    String k = CacheKey.of("key:team-a", plain, route("gpt-real"));
    assertThat(CacheKey.of("key:team-a", stream, route("gpt-real"))).isNotEqualTo(k);
    assertThat(CacheKey.of("key:team-a", withUsage, route("gpt-real")))
        .isNotEqualTo(CacheKey.of("key:team-a", stream, route("gpt-real")));
    assertThat(CacheKey.of("key:team-b", plain, route("gpt-real"))).isNotEqualTo(k);
    assertThat(CacheKey.of("key:team-a", request(Endpoint.CHAT, BASE, "team-a", "up"), route("gpt-real")))
        .isNotEqualTo(k);
    String both = "{\"model\":\"gpt-real\",\"prompt\":\"hi\",\"input\":\"hi\"}";
    assertThat(CacheKey.of("key:team-a", request(Endpoint.COMPLETIONS, both), route("gpt-real")))
        .isNotEqualTo(CacheKey.of("key:team-a", request(Endpoint.EMBEDDINGS, both), route("gpt-real")));
  }

  @Test
  void theModelIsKeyedAsResolved() {
    // Two aliases with the same name in the body would differ by their targets; here the alias and the real model
    // it points at are different routes, and so are two aliases pointing at different targets.
    GatewayRequest r = chat(BASE);
    assertThat(CacheKey.resolvedModel(route("fast"))).isEqualTo("fast alias -> up/gpt-real");
    assertThat(CacheKey.resolvedModel(route("gpt-real"))).isEqualTo("gpt-real -> up/gpt-real");
    assertThat(CacheKey.of("key:team-a", r, route("fast"))).isNotEqualTo(CacheKey.of("key:team-a", r,
        route("fast-elsewhere")));
  }
}
