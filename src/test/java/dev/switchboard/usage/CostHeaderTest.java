package dev.switchboard.usage;

import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Every reply says what it cost, as the ledger books it; and the ledger knows who each request was for. */
class CostHeaderTest {
  private static final String ADMIN = "admin-key-0123";
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider up = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  /** Provider up serving m at 2 input, 10 output and 1 cached per million tokens; the ledger in memory. */
  private GatewayUnderTest start() {
    return closer.register(TestConfig.empty().adminKey(ADMIN).section("usage", "{persist: false, flush_interval: 20ms}")
        .provider("up", "{base_url: \"" + up.baseUrl() + "\", api_key: sk-up, models: [{name: m, input_price: 2, "
            + "output_price: 10, cached_input_price: 1}]}")
        .start());
  }

  private JsonObject admin(String path) throws Exception {
    return new JsonObject(gateway.get(path, "Authorization", "Bearer " + ADMIN).body());
  }

  @Test
  void aJsonReplysCostHeaderEqualsItsLedgerRow() throws Exception {
    // 11 prompt tokens, 4 of them cached, and 7 completion tokens: 7*2 + 4*1 + 7*10 = 88 per million.
    up.stub("/chat/completions", FakeProvider.jsonReply(200, FakeProvider.chatCompletion("c1", "m", "hi")
        .put("usage", new JsonObject().put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 4))).encode()));
    gateway = start();
    HttpResponse<String> resp = gateway.chat(Requests.chat("m", "hi"));
    assertThat(resp.statusCode()).isEqualTo(200);
    String header = resp.headers().firstValue("x-switchboard-cost").orElseThrow();
    assertThat(header).isEqualTo("0.000088");
    assertThat(Double.parseDouble(header)).isEqualTo(gateway.ledgerRow(resp).getDouble("cost"));
  }

  @Test
  void aStreamEndsWithItsCostAsACommentBeforeDoneEqualToItsLedgerRow() throws Exception {
    up.chatStream(FakeProvider.chatChunks("c1", "m", "a", "b", "c"));
    gateway = start();
    for (Requests.Chat body : List.of(Requests.chat("m", "hi").stream(), Requests.chat("m", "hi").streamWithUsage())) {
      HttpResponse<String> resp = gateway.chat(body);
      assertThat(resp.statusCode()).isEqualTo(200);
      // 5 prompt and 3 completion tokens: 5*2 + 3*10 = 40 per million.
      assertThat(resp.body()).as(body.toString()).endsWith(": x-switchboard-cost 0.00004\n\ndata: [DONE]\n\n");
      assertThat(SseClient.dataEvents(resp.body())).as("the comment is no event").last().isEqualTo("[DONE]");
      assertThat(gateway.ledgerRow(resp).getDouble("cost")).isEqualTo(0.00004);
    }
  }

  @Test
  void theEndUserComesFromTheBodyOrTheHeaderAndCostsGroupByIt() throws Exception {
    up.chatJson("hi");
    gateway = start();
    HttpResponse<String> alice = gateway.chat(Requests.chat("m", "hi").with("user", "alice"));
    gateway.chat(Requests.chat("m", "hi").with("user", "alice"));
    HttpResponse<String> bob = gateway.chat(Requests.chat("m", "hi")
        .with("metadata", new JsonObject().put("user_id", "bob")));
    HttpResponse<String> carol = gateway.chat(Requests.chat("m", "hi"), "x-switchboard-user", "carol");
    HttpResponse<String> nobody = gateway.chat(Requests.chat("m", "hi"));
    assertThat(gateway.ledgerRow(alice).getString("end_user")).isEqualTo("alice");
    assertThat(gateway.ledgerRow(bob).getString("end_user")).isEqualTo("bob");
    assertThat(gateway.ledgerRow(carol).getString("end_user")).isEqualTo("carol");
    assertThat(gateway.ledgerRow(nobody).getString("end_user")).isNull();

    JsonObject costs = admin("/admin/costs?groupBy=user");
    assertThat(costs.getString("group_by")).isEqualTo("user");
    Map<Object, Long> requests = costs.getJsonArray("data").stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(o -> String.valueOf(o.getValue("user")), o -> o.getLong("requests")));
    assertThat(requests).containsEntry("alice", 2L).containsEntry("bob", 1L).containsEntry("carol", 1L)
        .containsEntry("null", 1L);
    // 11 prompt and 7 completion tokens each: 92 per million; alice spent the most.
    JsonArray top = admin("/admin/usage/top?by=user&limit=1").getJsonArray("data");
    assertThat(top).hasSize(1);
    assertThat(top.getJsonObject(0).getString("user")).isEqualTo("alice");
    assertThat(top.getJsonObject(0).getDouble("cost")).isEqualTo(2 * 92e-6);
  }
}
