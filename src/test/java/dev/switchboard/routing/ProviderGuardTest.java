package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** One provider's guard on an injected clock: cooldowns and the slow-start ramp without waiting. */
class ProviderGuardTest {
  private final FakeClock clock = new FakeClock();
  private final Vertx vertx = Vertx.vertx();
  private final ProviderGuard guard;

  ProviderGuardTest() {
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        routing: {slow_start: 10s}
        providers:
          a: {base_url: "http://127.0.0.1:1/v1", models: [m]}
        """, Map.of());
    ProviderRegistry providers = new ProviderRegistry(config, new Clocks(clock, clock));
    guard = new ProviderGuards(vertx, providers, config.routing(), new GatewayMetrics(new SimpleMeterRegistry()),
        new Clocks(clock, clock)).get("a");
  }

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void aLiftedCooldownRampsTheShareUpOverSlowStartOnTheInjectedClock() {
    guard.coolDown(60_000, "asked to retry after 60000 ms", clock.nanos());
    assertThat(guard.refusal(clock.nanos())).isEqualTo("asked to retry after 60000 ms");
    clock.advanceSeconds(20);
    assertThat(guard.cooldownRemainingMillis(clock.nanos())).isEqualTo(40_000);

    guard.lift();

    assertThat(guard.refusal(clock.nanos())).isNull();
    assertThat(guard.rampShare(clock.nanos())).as("right after it came back").isEqualTo(0.1);
    clock.advanceSeconds(5);
    assertThat(guard.rampShare(clock.nanos())).as("half the slow start").isCloseTo(0.5, offset(1e-9));
    clock.advanceSeconds(5);
    assertThat(guard.rampShare(clock.nanos())).isEqualTo(1.0);
  }
}
