package dev.switchboard.usage;

import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * Prices that are not per token (price_per_request, price_per_image by size and quality, price_per_1k_characters)
 * through the whole gateway: the ledger's cost of image and speech requests, and a key's budget that they spend.
 */
class UnitPricesGatewayTest {
  private static final String IMAGE_REPLY = "{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/a.png\"}]}";
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider up = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  private GatewayUnderTest start(String keyBudget) {
    up.stub("/images/generations", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(IMAGE_REPLY));
    up.stub("/audio/speech", aResponse().withStatus(200).withHeader("Content-Type", "audio/mpeg")
        .withBody(new byte[] {1, 2, 3}));
    return closer.register(TestConfig.empty().routing("{strategy: priority, explore: 0}")
        .section("usage", "{persist: false, flush_interval: 20ms}")
        .provider("up", "{base_url: \"" + up.baseUrl() + "\", api_key: sk-up, models: ["
            + "{name: dall-e-3, price_per_image: {\"1024x1024\": 0.04, \"1024x1792\": 0.08, \"hd/1024x1024\": 0.08}},"
            + "{name: tts-1, price_per_1k_characters: 0.015, price_per_request: 0.001}]}")
        .clientKey("k", "sk-client-key1", keyBudget).start());
  }

  private HttpResponse<String> image(String fields) throws Exception {
    return gateway.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a fox\"" + fields + "}",
        "Authorization", "Bearer sk-client-key1");
  }

  private HttpResponse<String> speech(String input) throws Exception {
    return gateway.post("/v1/audio/speech", new JsonObject().put("model", "tts-1").put("input", input)
        .put("voice", "alloy").encode(), "Authorization", "Bearer sk-client-key1");
  }

  private double costOf(HttpResponse<String> resp) {
    return gateway.ledgerRow(resp).getDouble("cost");
  }

  @Test
  void imagesAreCostedBySizeQualityAndCount() throws Exception {
    gateway = start("");

    assertThat(costOf(image(",\"size\":\"1024x1024\""))).isCloseTo(0.04, offset(1e-9));
    assertThat(costOf(image(",\"size\":\"1024x1024\",\"n\":3"))).isCloseTo(0.12, offset(1e-9));
    assertThat(costOf(image(",\"size\":\"1024x1024\",\"quality\":\"hd\""))).isCloseTo(0.08, offset(1e-9));
    assertThat(costOf(image(",\"size\":\"1024x1792\",\"quality\":\"standard\""))).isCloseTo(0.08, offset(1e-9));
    assertThat(costOf(image(",\"size\":\"512x512\""))).as("an unlisted size is charged the table's highest price")
        .isCloseTo(0.08, offset(1e-9));
  }

  @Test
  void speechIsCostedByCharactersPlusThePricePerRequest() throws Exception {
    gateway = start("");

    HttpResponse<String> resp = speech("x".repeat(2000));

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(costOf(resp)).isCloseTo(2 * 0.015 + 0.001, offset(1e-9));
  }

  @Test
  void aKeysBudgetRefusesImagesOnceTheyHaveSpentIt() throws Exception {
    gateway = start("budget: {daily: 0.1}");

    assertThat(costOf(image(",\"size\":\"1024x1024\",\"n\":2"))).isCloseTo(0.08, offset(1e-9));
    HttpResponse<String> second = image(",\"size\":\"1024x1024\"");
    assertThat(second.statusCode()).as("0.08 of 0.1 spent: one more image still fits").isEqualTo(200);
    costOf(second);

    HttpResponse<String> refused = image(",\"size\":\"1024x1024\"");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("budget_exceeded");
    assertThat(speech("hello").statusCode()).as("speech is refused by the same spent budget").isEqualTo(429);
    assertThat(up.server().getAllServeEvents()).as("the refused requests never went upstream").hasSize(2);
  }
}
