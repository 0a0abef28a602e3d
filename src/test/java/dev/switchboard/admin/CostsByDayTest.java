package dev.switchboard.admin;

import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import dev.switchboard.usage.Ledger;
import dev.switchboard.usage.LedgerRow;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

/** {@code GET /admin/costs?groupBy=day}: the cost trend chart's data, per day and provider, in the usage currency. */
class CostsByDayTest {
  private static final String ADMIN = "admin-key-0123";
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private void start(String usage) {
    gateway = TestConfig.empty().section("usage", "{persist: false, flush_interval: 50ms" + usage + "}").adminKey(ADMIN)
        .provider("local", "{type: local, models: [m]}").start();
  }

  private void seed(LocalDate day, String provider, double cost) {
    long at = day.atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
    gateway.switchboard().services().usage().record(new LedgerRow(at, "req-" + day + provider, null, provider, "m",
        10, 5, 0, cost, 100, -1, 200, false, provider + ":200", false));
  }

  private HttpResponse<String> admin(String path) throws Exception {
    return gateway.get(path, "Authorization", "Bearer " + ADMIN);
  }

  private long ledgerRows() {
    return gateway.switchboard().services().usage().query(Ledger::count).toCompletionStage().toCompletableFuture()
        .join();
  }

  @Test
  void eachDayCarriesItsCostPerProviderAndTheCurrency() throws Exception {
    start(", currency: eur");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    seed(today.minusDays(2), "openai", 0.5);
    seed(today.minusDays(2), "anthropic", 0.25);
    seed(today.minusDays(2), "openai", 0.125);
    seed(today.minusDays(1), "anthropic", 1.0);
    await().until(() -> ledgerRows() == 4);

    HttpResponse<String> r = admin("/admin/costs?groupBy=day&from=" + today.minusDays(29));

    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("currency")).as("usage.currency, upper-cased").isEqualTo("EUR");
    JsonArray days = body.getJsonArray("data");
    assertThat(days).hasSize(2);
    JsonObject first = days.getJsonObject(0);
    assertThat(first.getString("day")).isEqualTo(today.minusDays(2).toString());
    assertThat(first.getDouble("cost")).isCloseTo(0.875, offset(1e-9));
    assertThat(first.getJsonObject("by_provider").getDouble("openai")).isCloseTo(0.625, offset(1e-9));
    assertThat(first.getJsonObject("by_provider").getDouble("anthropic")).isCloseTo(0.25, offset(1e-9));
    JsonObject second = days.getJsonObject(1);
    assertThat(second.getString("day")).isEqualTo(today.minusDays(1).toString());
    assertThat(second.getJsonObject("by_provider").fieldNames()).containsExactly("anthropic");
  }

  @Test
  void badDatesAndAReversedRangeAre400() throws Exception {
    start("");
    for (String query : new String[] {"from=yesterday", "from=2026-13-01", "to=2026-02-30T00:00"}) {
      HttpResponse<String> r = admin("/admin/costs?groupBy=day&" + query);
      assertThat(r.statusCode()).as(query).isEqualTo(400);
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("message")).contains("'from' and 'to' must be dates");
    }
    HttpResponse<String> reversed = admin("/admin/costs?groupBy=day&from=2026-11-10&to=2026-11-01");
    assertThat(reversed.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(reversed.body()).getJsonObject("error").getString("message"))
        .isEqualTo("'to' must not be before 'from'.");
    assertThat(new JsonObject(admin("/admin/costs?groupBy=day").body()).getString("currency")).isEqualTo("USD");
  }

  @Test
  void anUnknownCurrencyIsRefusedAtLoadNamingTheField() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.switchboard.config.ConfigLoader.fromYaml(
            "usage: {currency: dollars}\nproviders:\n  local: {type: local, models: [m]}\n", java.util.Map.of()))
        .isInstanceOf(dev.switchboard.config.ConfigException.class).hasMessageContaining("usage.currency")
        .hasMessageContaining("ISO 4217");
  }
}
