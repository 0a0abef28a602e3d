package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.config.RoutingStrategy;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-request requirements (max_price, min_quality, max_latency; headers or the body's x_switchboard member) leave
 * out the targets that miss them under every strategy; none left is a 503 naming what each missed, and a malformed
 * requirement a 400 naming the header or field.
 */
class RequirementsTest extends RoutingTestBase {
  /** a: blended 15 per 1M tokens, quality 0.9; b: blended 1.25, quality 0.5. */
  private String providers() {
    return "providers:\n"
        + provider("a", a, "{name: m1, input_price: 10, output_price: 30}", "quality: 0.9")
        + provider("b", b, "{name: m1, input_price: 1, output_price: 2}", "quality: 0.5");
  }

  @ParameterizedTest
  @EnumSource(RoutingStrategy.class)
  void maxPriceLeavesOutTheDearTargetUnderEveryStrategy(RoutingStrategy strategy) throws Exception {
    start(routing(strategy.label()) + providers());

    assertThat(servedBy(8, "m1", "x-switchboard-max-price", "5")).containsOnly("b");
    assertThat(received(a)).isZero();
    assertThat(header(chat("m1", "x-switchboard-max-price", "5"), "x-switchboard-route"))
        .as("a is not even a failover candidate").matches("strategy=" + strategy.label() + "; order=b(:[0-9.]+)?");
  }

  @ParameterizedTest
  @EnumSource(RoutingStrategy.class)
  void minQualityLeavesOutTheWeakTargetUnderEveryStrategy(RoutingStrategy strategy) throws Exception {
    start(routing(strategy.label()) + providers());

    assertThat(servedBy(8, "m1", "x-switchboard-min-quality", "0.8")).containsOnly("a");
    assertThat(received(b)).isZero();
    assertThat(header(chat("m1", "x-switchboard-min-quality", "0.8"), "x-switchboard-route"))
        .as("b is not even a failover candidate").matches("strategy=" + strategy.label() + "; order=a(:[0-9.]+)?");
  }

  @Test
  void maxLatencyReadsTheProvidersLiveP95() throws Exception {
    start(routing("priority") + providers());
    for (int i = 0; i < 20; i++) {
      stats("a").started();
      stats("a").succeeded(i < 2 ? 10_000_000L : 2_000_000_000L);
    }

    HttpResponse<String> resp = chat("m1", "x-switchboard-max-latency", "500ms");

    assertThat(servedBy(resp)).as("a's p95 is 2 s").isEqualTo("b");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=b");
    assertThat(servedBy(chat("m1", "x-switchboard-max-latency", "3s"))).isEqualTo("a");
  }

  @Test
  void theBodyExtensionWorksLikeTheHeadersAndNeverGoesUpstream() throws Exception {
    start(routing("priority") + providers());
    String body = new JsonObject(chatBody("m1")).put("x_switchboard", new JsonObject().put("max_price", 5)
        .put("max_latency", "10s")).encode();

    HttpResponse<String> resp = gateway.post(CHAT_PATH, body);

    assertThat(servedBy(resp)).isEqualTo("b");
    LoggedRequest sent = requests(b).get(0);
    assertThat(new JsonObject(sent.getBodyAsString()).containsKey("x_switchboard")).isFalse();
    assertThat(new JsonObject(sent.getBodyAsString()).getString("model")).isEqualTo("m1");
  }

  @Test
  void aCachedAnswerServedWithoutRequirementsNeverAnswersARequestWithThem() throws Exception {
    start("cache:\n  mode: all\n" + routing("priority") + providers());

    HttpResponse<String> open = chat("m1");
    HttpResponse<String> cheap = chat("m1", "x-switchboard-max-price", "5");
    HttpResponse<String> cheapAgain = chat("m1", "x-switchboard-max-price", "5");

    assertThat(servedBy(open)).isEqualTo("a");
    assertThat(header(cheap, "x-switchboard-cache")).as("a's answer is not b's").isNotEqualTo("HIT");
    assertThat(servedBy(cheap)).isEqualTo("b");
    assertThat(header(cheapAgain, "x-switchboard-cache")).as("the same requirements share an entry").isEqualTo("HIT");
    assertThat(received(b)).isEqualTo(1);
  }

  @Test
  void noTargetMeetingTheRequirementsIsA503NamingEachMiss() throws Exception {
    start(routing("score") + providers());

    HttpResponse<String> resp = chat("m1", "x-switchboard-max-price", "0.5", "x-switchboard-min-quality", "0.2");

    assertThat(resp.statusCode()).isEqualTo(503);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("requirements_not_met");
    assertThat(error.getString("message")).isEqualTo("No provider of model 'm1' meets this request's requirements "
        + "(max_price 0.5 per 1M tokens, min_quality 0.2): a: price 15 per 1M tokens above max_price 0.5; "
        + "b: price 1.25 per 1M tokens above max_price 0.5.");
    assertThat(received(a) + received(b)).isZero();
  }

  @Test
  void maxPricePerRequestComparesTheImagesPriceAtTheRequestedCount() throws Exception {
    String reply = "{\"created\":1,\"data\":[{\"url\":\"https://i/x.png\"}]}";
    a.stub("/images/generations", com.github.tomakehurst.wiremock.client.WireMock.okJson(reply));
    b.stub("/images/generations", com.github.tomakehurst.wiremock.client.WireMock.okJson(reply));
    start(routing("priority") + "providers:\n" + provider("a", a, "{name: img, price_per_image: 0.08}", "")
        + provider("b", b, "{name: img, price_per_image: 0.02}", ""));

    HttpResponse<String> one = gateway.post("/v1/images/generations",
        "{\"model\":\"img\",\"prompt\":\"a fox\"}", "x-switchboard-max-price", "0.05/request");
    assertThat(header(one, "x-switchboard-provider")).isEqualTo("b");

    HttpResponse<String> three = gateway.post("/v1/images/generations",
        "{\"model\":\"img\",\"prompt\":\"a fox\",\"n\":3}", "x-switchboard-max-price", "0.05/request");
    assertThat(three.statusCode()).isEqualTo(503);
    assertThat(error(three).getString("message")).contains("(max_price 0.05 per request)")
        .contains("a: price 0.24 per request above max_price 0.05").contains("b: price 0.06 per request");
  }

  @Test
  void aTargetWithoutAPriceNeverMeetsAMaxPrice() throws Exception {
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", "")
        + provider("b", b, "{name: m1, input_price: 1, output_price: 2}", ""));

    assertThat(servedBy(chat("m1", "x-switchboard-max-price", "100"))).isEqualTo("b");
  }

  @Test
  void malformedRequirementsAre400sNamingTheHeaderOrField() throws Exception {
    start(routing("priority") + providers());

    HttpResponse<String> price = chat("m1", "x-switchboard-max-price", "cheap");
    assertThat(price.statusCode()).isEqualTo(400);
    assertThat(error(price).getString("param")).isEqualTo("x-switchboard-max-price");
    assertThat(error(price).getString("code")).isEqualTo("invalid_requirement");
    assertThat(error(chat("m1", "x-switchboard-min-quality", "1.5")).getString("message"))
        .isEqualTo("Invalid value '1.5' for x-switchboard-min-quality: expected a number from 0 to 1.");
    assertThat(error(chat("m1", "x-switchboard-max-latency", "soon")).getString("param"))
        .isEqualTo("x-switchboard-max-latency");
    HttpResponse<String> notObject = gateway.post(CHAT_PATH, new JsonObject(chatBody("m1")).put("x_switchboard", 5)
        .encode());
    assertThat(notObject.statusCode()).isEqualTo(400);
    assertThat(error(notObject).getString("param")).isEqualTo("x_switchboard");
    HttpResponse<String> unknown = gateway.post(CHAT_PATH, new JsonObject(chatBody("m1")).put("x_switchboard",
        new JsonObject().put("max_cost", 1)).encode());
    assertThat(error(unknown).getString("param")).isEqualTo("x_switchboard.max_cost");
    assertThat(received(a) + received(b)).isZero();
  }
}
