package dev.switchboard.demo;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Demo mode ({@code java -jar switchboard.jar --demo}): three simulated OpenAI-compatible providers on loopback, a
 * gateway routing between them with a generated config (admin key {@value #ADMIN_KEY}), and a traffic generator,
 * so the dashboard shows routing, failover and recovery within a minute without any API key.
 *
 * <ul>
 *   <li>{@code steady}: ~120 ms, no errors;</li>
 *   <li>{@code flaky}: ~60 ms, an error burst (70% 5xx/429) of 6 s every 25 s;</li>
 *   <li>{@code sometimes-down}: ~200 ms, an outage of 15 s every 40 s (the first 20 s after start).</li>
 * </ul>
 */
public final class Demo<G extends Demo.Gateway> {
  /** The gateway the demo drives: started by the launcher from the config the demo generates. */
  public interface Gateway {
    int port();

    Future<Void> stop();
  }

  private static final Logger LOG = Logger.getLogger(Demo.class.getName());
  public static final String ADMIN_KEY = "demo";
  static final String TRAFFIC_KEY = "demo-traffic-key";
  static final String USER_KEY = "demo-user-key";

  private final Vertx vertx;
  private final Map<String, SimulatedProvider> providers;
  private final G gateway;
  private final TrafficGenerator traffic;

  private Demo(Vertx vertx, Map<String, SimulatedProvider> providers, G gateway, TrafficGenerator traffic) {
    this.vertx = vertx;
    this.providers = providers;
    this.gateway = gateway;
    this.traffic = traffic;
  }

  /** The simulated providers' behaviour in demo mode. */
  public static Map<String, SimulatedProvider.Behaviour> defaultBehaviours() {
    Map<String, SimulatedProvider.Behaviour> b = new LinkedHashMap<>();
    b.put("steady", SimulatedProvider.Behaviour.steady(120, 60));
    b.put("flaky", new SimulatedProvider.Behaviour(60, 40, 0.02, 25_000, 6_000, 0.7, 0, 0, 0));
    b.put("sometimes-down", new SimulatedProvider.Behaviour(200, 120, 0.0, 0, 0, 0, 40_000, 15_000, 20_000));
    return b;
  }

  /**
   * Starts the simulated providers, the gateway on {@code port} (0: any free port) and, if
   * {@code requestsPerSecond > 0}, the traffic generator.
   */
  public static <G extends Gateway> Future<Demo<G>> start(int port, Map<String, SimulatedProvider.Behaviour> behaviours,
      double requestsPerSecond, Function<SwitchboardConfig, Future<G>> gateway) {
    return start("127.0.0.1", port, behaviours, requestsPerSecond, gateway);
  }

  /**
   * As {@link #start(int, Map, double)}, with the gateway listening on {@code host} ({@code --demo --host 0.0.0.0}
   * to reach it from outside a container or VM); the simulated providers stay on loopback.
   */
  public static <G extends Gateway> Future<Demo<G>> start(String host, int port,
      Map<String, SimulatedProvider.Behaviour> behaviours, double requestsPerSecond,
      Function<SwitchboardConfig, Future<G>> gatewayStarter) {
    Vertx vertx = Vertx.vertx();
    Map<String, SimulatedProvider> sims = new LinkedHashMap<>();
    behaviours.forEach((id, b) -> sims.put(id, new SimulatedProvider(vertx, id, b)));
    return Future.all(sims.values().stream().map(SimulatedProvider::start).toList())
        // The gateway builds its own Vert.x instance: from a plain thread, not from one of the demo's event loops.
        .compose(v -> Future.fromCompletionStage(java.util.concurrent.CompletableFuture.supplyAsync(
            () -> ConfigLoader.fromYaml(config(host, port, sims), Map.of())).thenCompose(
                config -> gatewayStarter.apply(config).toCompletionStage())))
        .map(gateway -> {
          TrafficGenerator traffic = new TrafficGenerator(vertx, gateway.port(), requestsPerSecond);
          if (requestsPerSecond > 0) {
            traffic.start();
          }
          sims.values().forEach(s -> LOG.info("demo: simulated provider " + s.id() + " on " + s.baseUrl()
              + " (outage: curl -X POST 'http://127.0.0.1:" + s.port() + "/control/outage?seconds=20')"));
          LOG.info("demo: dashboard at http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + gateway.port()
              + "/dashboard/ (admin key: \""
              + ADMIN_KEY + "\"); traffic: " + requestsPerSecond + " requests/s with client key " + TRAFFIC_KEY);
          return new Demo<>(vertx, sims, gateway, traffic);
        })
        .recover(err -> vertx.close().transform(x -> Future.failedFuture(err)));
  }

  /** The generated gateway config: three providers, two aliases, fast health probes, small rate limits. */
  static String config(String host, int port, Map<String, SimulatedProvider> sims) {
    StringBuilder y = new StringBuilder();
    y.append("server: {host: \"").append(host).append("\", port: ").append(port).append(", instances: 1, shutdown_grace: 2s}\n");
    y.append("""
        auth:
          admin_key: demo
          keys:
            - {name: demo-traffic, key: demo-traffic-key, limits: {rpm: 600}, budget: {daily: 5}}
            - {name: demo-user, key: demo-user-key, limits: {rpm: 60}, budget: {daily: 1, monthly: 10}}
        logging: {access_log: false, level: info}
        usage: {persist: false}
        health:
          enabled: true
          interval: 2s
          timeout: 1s
          jitter: 0.1
          down_interval: 1s
          down_after: 2
          recover_after: 2
          degraded_latency: 1500ms
          stale_after: 10s
        routing:
          strategy: score
          max_attempts: 4
          explore: 0.1
          slow_start: 10s
          retry: {per_provider: 1, backoff_base: 50ms, backoff_max: 300ms, max_retry_after: 2s}
          circuit_breaker: {failure_threshold: 4, error_rate: 0.5, min_requests: 10, open_for: 5s, max_open_for: 20s}
        providers:
        """);
    double[] quality = {0.8, 0.6, 0.7};
    double[] price = {1.0, 0.3, 0.6};
    int i = 0;
    for (SimulatedProvider s : sims.values()) {
      y.append("  ").append(s.id()).append(":\n")
          .append("    type: openai\n")
          .append("    base_url: ").append(s.baseUrl()).append('\n')
          .append("    quality: ").append(quality[i % 3]).append('\n')
          .append("    timeouts: {connect: 1s, first_byte: 5s, idle: 5s, total: 10s}\n")
          .append("    limits: {rpm: ").append(300 + 150 * i).append("}\n")
          .append("    budget: {daily: ").append(2 + i).append("}\n")
          .append("    models: [{name: demo-model, input_price: ").append(price[i % 3]).append(", output_price: ")
          .append(price[i % 3] * 3).append("}]\n");
      i++;
    }
    y.append("  local: {type: local, models: [switchboard-local], fallback: true}\n");
    List<String> ids = List.copyOf(sims.keySet());
    y.append("models:\n  demo-chat:\n    strategy: score\n    targets:\n");
    ids.forEach(id -> y.append("      - {provider: ").append(id).append(", model: demo-model}\n"));
    // Priority order with the unreliable ones first: their failures show as failover chains.
    y.append("  demo-priority:\n    strategy: priority\n    targets:\n");
    List<String> reversed = new java.util.ArrayList<>(ids);
    java.util.Collections.reverse(reversed);
    reversed.forEach(id -> y.append("      - {provider: ").append(id).append(", model: demo-model}\n"));
    return y.toString();
  }

  public G gateway() {
    return gateway;
  }

  public SimulatedProvider provider(String id) {
    return providers.get(id);
  }

  public TrafficGenerator traffic() {
    return traffic;
  }

  /** Stops the traffic first, then the gateway (gracefully), then the simulated providers. */
  public Future<Void> stop() {
    traffic.stop();
    return gateway.stop().eventually(() -> vertx.close());
  }
}
