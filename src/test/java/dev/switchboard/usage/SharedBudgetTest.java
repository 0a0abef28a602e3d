package dev.switchboard.usage;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.RedisProcess;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With Redis configured, budget counters are shared: what one instance spends, the others count. */
class SharedBudgetTest {
  private final FakeProvider upstream = new FakeProvider();
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private RedisProcess redis;

  @BeforeEach
  void redis() throws Exception {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed (.ci/run installs it)");
    redis = RedisProcess.start();
    upstream.chatJson("hello");
  }

  @AfterEach
  void stop() throws Exception {
    gateways.forEach(GatewayUnderTest::close);
    upstream.close();
    if (redis != null) {
      redis.close();
    }
  }

  private GatewayUnderTest gateway() {
    GatewayUnderTest g = TestConfig.empty().clientKey("team", "sk-team-key-1", "budget: {daily: 0.00015}").redis(redis)
        .provider("up", "{base_url: \"" + upstream.baseUrl() + "\", api_key: sk-up, "
            + "models: [{name: m, input_price: 2, output_price: 10}]}").start();
    gateways.add(g);
    return g;
  }

  private static int chat(GatewayUnderTest g) throws Exception {
    return g.post("/v1/chat/completions", Requests.chat("m", "hi").toString(),
        "Authorization", "Bearer sk-team-key-1").statusCode();
  }

  @Test
  void spendOnOneInstanceCountsOnTheOther() throws Exception {
    GatewayUnderTest one = gateway();
    GatewayUnderTest two = gateway();
    // Each request costs 92 millionths: two of them pass the 150-millionth daily budget.
    assertThat(chat(one)).isEqualTo(200);
    assertThat(chat(one)).isEqualTo(200);
    assertThat(chat(one)).isEqualTo(429);
    // The other instance served nothing itself, yet sees the shared spend within its refresh...
    UsageService twoUsage = two.switchboard().services().usage();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> twoUsage.spent("key", "team", BudgetWindows.Period.DAILY) >= 0.00015);
    // ...and refuses the key's very first request to it.
    assertThat(chat(two)).isEqualTo(429);
    assertThat(upstream.server().getAllServeEvents()).hasSize(2);
  }
}
