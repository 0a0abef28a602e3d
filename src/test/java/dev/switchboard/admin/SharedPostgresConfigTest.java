package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.PostgresProcess;
import dev.switchboard.testing.Requests;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances sharing PostgreSQL ({@code usage.store: postgres}): a runtime change made on one is stored in the
 * database, announced with NOTIFY and applied by the other, and a third started later starts with it.
 */
class SharedPostgresConfigTest {
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private PostgresProcess pg;

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    if (pg != null) {
      pg.close();
    }
    a.close();
    b.close();
  }

  private GatewayUnderTest start() throws Exception {
    Path dir = GatewayUnderTest.freshDirectory();
    Path file = dir.resolve("switchboard.yaml");
    Files.writeString(file, ConfigReloadTest.base(dir, "{enabled: false}").postgres(pg, dir.resolve("spill"))
        .provider("a", a, "sk-shared-a-0000", "m").yaml());
    GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of());
    gateways.add(gateway);
    return gateway;
  }

  @Test
  void aRuntimeChangeOnOneInstanceIsAppliedByTheOtherThroughPostgres() throws Exception {
    Assumptions.assumeTrue(PostgresProcess.find().isPresent(), "PostgreSQL (initdb, postgres) is not installed");
    pg = PostgresProcess.start();
    a.chatJson("from a");
    b.chatJson("from b");
    GatewayUnderTest one = start();
    GatewayUnderTest two = start();
    assertThat(two.chat(Requests.chat("chat", "hi")).statusCode()).isEqualTo(404);

    HttpResponse<String> put = ConfigReloadTest.admin(one, "PUT", "/admin/providers/b", new JsonObject()
        .put("type", "openai").put("base_url", b.baseUrl()).put("api_key", "sk-shared-b-1111")
        .put("models", List.of("mb")).encode());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    HttpResponse<String> alias = ConfigReloadTest.admin(one, "PUT", "/admin/models/chat",
        "{\"targets\": [{\"provider\": \"b\", \"model\": \"mb\"}]}");
    assertThat(alias.statusCode()).as(alias.body()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(20)).until(() -> two.chat(Requests.chat("chat", "hi")).statusCode() == 200);
    HttpResponse<String> onTwo = two.chat(Requests.chat("chat", "hi"));
    assertThat(onTwo.headers().firstValue("x-switchboard-provider")).hasValue("b");
    assertThat(onTwo.body()).contains("from b");
    assertThat(pg.sql("SELECT overlay FROM config_overlay WHERE id = 1")).contains("\"chat\"");
    JsonObject described = new JsonObject(ConfigReloadTest.admin(two, "GET", "/admin/config", null).body());
    assertThat(described.getString("overlay_store")).startsWith("postgres ").doesNotContain("sk-shared-b-1111");

    GatewayUnderTest later = start();
    assertThat(later.chat(Requests.chat("chat", "hi")).statusCode()).as("a new instance starts with the change")
        .isEqualTo(200);
  }

  @Test
  void aChangeAnotherInstanceStoredIsKeptWhenThisOneChangesTheSameProviderBeforeHearingOfIt() throws Exception {
    Assumptions.assumeTrue(PostgresProcess.find().isPresent(), "PostgreSQL (initdb, postgres) is not installed");
    pg = PostgresProcess.start();
    GatewayUnderTest one = start();
    HttpResponse<String> first = ConfigReloadTest.admin(one, "PATCH", "/admin/providers/a", "{\"weight\": 2}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // Another instance's PATCH of another field, committed, its NOTIFY not yet heard here.
    JsonObject stored = new JsonObject(pg.sql("SELECT overlay FROM config_overlay WHERE id = 1"));
    stored.getJsonObject("providers").getJsonObject("a").put("headers", new JsonObject().put("X-Team", "elsewhere"));
    pg.sql("UPDATE config_overlay SET overlay = '" + stored.encode() + "' WHERE id = 1");

    HttpResponse<String> second = ConfigReloadTest.admin(one, "PATCH", "/admin/providers/a", "{\"weight\": 5}");

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    JsonObject a = new JsonObject(pg.sql("SELECT overlay FROM config_overlay WHERE id = 1"))
        .getJsonObject("providers").getJsonObject("a");
    assertThat(a.getInteger("weight")).isEqualTo(5);
    assertThat(a.getJsonObject("headers")).as("the other instance's change is not overwritten")
        .isEqualTo(new JsonObject().put("X-Team", "elsewhere"));
    JsonObject running = new JsonObject(ConfigReloadTest.admin(one, "GET", "/admin/config", null).body());
    assertThat(running.getJsonObject("overlay").getJsonObject("providers").getJsonObject("a")
        .getJsonObject("headers")).as("and this instance runs both").isNotNull();
  }
}
