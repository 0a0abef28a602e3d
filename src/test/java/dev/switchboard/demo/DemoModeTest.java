package dev.switchboard.demo;

import dev.switchboard.Switchboard;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Demo mode starts with its generated config, probes its simulated providers, sends traffic and shows outages. */
class DemoModeTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void hostOptionBindsTheGatewayBeyondLoopback() throws Exception {
    Demo<Switchboard> demo = Demo.start("0.0.0.0", 0, Demo.defaultBehaviours(), 0, Switchboard::start).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    try {
      assertThat(demo.gateway().services().config().server().host())
          .as("the demo has client keys, so it may listen beyond loopback").isEqualTo("0.0.0.0");
      HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + demo.gateway().port() + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    } finally {
      demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void startsRoutesAndRecovers() throws Exception {
    Demo<Switchboard> demo = Demo.start(0, Demo.defaultBehaviours(), 5, Switchboard::start).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    try {
      int port = demo.gateway().port();
      assertThat(demo.gateway().services().config().auth().adminKey().reveal()).isEqualTo(Demo.ADMIN_KEY);
      assertThat(demo.gateway().services().config().health().enabled()).isTrue();
      await().atMost(Duration.ofSeconds(60)).until(() -> demo.traffic().succeeded() >= 10);
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        JsonObject steady = provider(port, "steady");
        assertThat(steady.getJsonObject("health").getString("state")).isIn("healthy", "degraded");
        assertThat(steady.getJsonObject("stats").getLong("requests")).isPositive();
      });
      // A manual outage takes a provider down within seconds; restoring brings it back.
      demo.provider("steady").outage(Duration.ofMinutes(5));
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(provider(port, "steady").getJsonObject("health").getString("state")).isEqualTo("down"));
      long served = demo.traffic().succeeded();
      await().atMost(Duration.ofSeconds(30)).until(() -> demo.traffic().succeeded() > served + 5);
      demo.provider("steady").restore();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(provider(port, "steady").getJsonObject("health").getString("state")).isIn("healthy", "degraded"));
      HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/dashboard/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
    } finally {
      demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aShareOfTheTrafficIsRepeatedAndDeterministicSoTheCacheServesHits() throws Exception {
    java.util.Map<String, SimulatedProvider.Behaviour> quiet = new java.util.LinkedHashMap<>();
    quiet.put("steady", SimulatedProvider.Behaviour.steady(10, 5));
    quiet.put("flaky", SimulatedProvider.Behaviour.steady(10, 5));
    quiet.put("sometimes-down", SimulatedProvider.Behaviour.steady(10, 5));
    Demo<Switchboard> demo = Demo.start(0, quiet, 20, Switchboard::start).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try {
      int port = demo.gateway().port();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/admin/cache")).header("Authorization", "Bearer " + Demo.ADMIN_KEY).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonObject cache = new JsonObject(r.body());
        assertThat(cache.getLong("hits")).as("the repeated temperature-0 prompts are served from the cache")
            .isPositive();
        assertThat(cache.getLong("stores")).isPositive();
        assertThat(cache.getLong("bypasses")).as("the varied prompts still go upstream").isPositive();
      });
    } finally {
      demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static JsonObject provider(int port, String id) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/admin/providers/" + id)).header("Authorization", "Bearer " + Demo.ADMIN_KEY).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new JsonObject(r.body());
  }
}
