package dev.switchboard;

import dev.switchboard.cache.CacheVerticle;
import dev.switchboard.cache.ResponseCache;
import dev.switchboard.admin.AdminApi;
import dev.switchboard.admin.AdminServices;
import dev.switchboard.admin.AuditTrail;
import dev.switchboard.admin.ConfigAdmin;
import dev.switchboard.admin.ConfigOverlay;
import dev.switchboard.admin.ConfigReloads;
import dev.switchboard.admin.OverlayStore;
import io.vertx.core.json.JsonObject;
import dev.switchboard.admin.Insights;
import dev.switchboard.admin.InsightsAdmin;
import dev.switchboard.admin.LiveEvents;
import dev.switchboard.config.Clocks;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.LoggingConfig;
import dev.switchboard.config.LiveConfig;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.demo.Demo;
import dev.switchboard.health.HealthVerticle;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.health.Readiness;
import dev.switchboard.health.UptimeHistory;
import dev.switchboard.health.UptimeVerticle;
import dev.switchboard.logging.LogbackSetup;
import dev.switchboard.logging.ShutdownAwareLogManager;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.local.LocalResponder;
import dev.switchboard.ratelimit.ContextWindowGate;
import dev.switchboard.routing.RequirementGate;
import dev.switchboard.ratelimit.Buckets;
import dev.switchboard.ratelimit.LocalBuckets;
import dev.switchboard.ratelimit.RateLimitVerticle;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.ratelimit.RedisBuckets;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.telemetry.TelemetryVerticle;
import dev.switchboard.telemetry.Tracing;
import dev.switchboard.usage.BudgetWindows;
import dev.switchboard.usage.ClientKeys;
import dev.switchboard.usage.RequestStats;
import dev.switchboard.usage.UsageService;
import dev.switchboard.usage.UsageVerticle;
import dev.switchboard.routing.ScoringPolicy;
import dev.switchboard.routing.Selector;
import dev.switchboard.server.responses.ResponseStores;
import dev.switchboard.server.ConnectionLimits;
import dev.switchboard.server.GatewayServices;
import dev.switchboard.server.GatewayVerticle;
import dev.switchboard.server.MetricsVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The launcher: loads the config, builds the shared services, deploys the verticles, and shuts down gracefully on
 * SIGTERM. Tests start gateways through {@link #start(SwitchboardConfig)} in-process.
 */
public final class Switchboard implements Demo.Gateway {
  static {
    // Must precede the first Logger: keeps JUL (and so its bridge to Logback) alive during shutdown hooks so draining
    // is logged.
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", ShutdownAwareLogManager.class.getName());
    }
  }

  private static final Logger LOG = Logger.getLogger(Switchboard.class.getName());
  public static final String DEFAULT_CONFIG = ConfigChoice.DEFAULT_FILE;

  private final Vertx vertx;
  private final GatewayServices services;
  private final int port;
  private final String gatewayDeployment;
  private volatile Future<Void> stopping;
  private final ConfigReloads reloads;

  private Switchboard(Vertx vertx, GatewayServices services, int port, String gatewayDeployment,
                      ConfigReloads reloads) {
    this.reloads = reloads;
    this.vertx = vertx;
    this.services = services;
    this.port = port;
    this.gatewayDeployment = gatewayDeployment;
  }

  public static void main(String[] args) {
    if (args.length > 0 && MigrateLedger.NAME.equals(args[0])) {
      System.exit(MigrateLedger.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv()));
    }
    Cli cli = Cli.parse(args);
    LogbackSetup.install(LoggingConfig.of(true, "info"), Secrets.none());
    if (cli.demo()) {
      runDemo(cli.host() != null ? cli.host() : "127.0.0.1",
          cli.port() != null ? cli.port() : System.getenv().getOrDefault("SWITCHBOARD_PORT", "8080"));
      return;
    }
    ConfigChoice choice = ConfigChoice.choose(cli.configPath(), System.getenv(), Path.of("").toAbsolutePath());
    Switchboard gateway;
    Vertx vertx = null;
    try {
      SwitchboardConfig config = loadConfig(choice);
      LogbackSetup.install(config.logging(), Secrets.of(config));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = newVertx(registry, config);
      gateway = deploy(vertx, registry, config, Clocks.SYSTEM, choice.builtIn() ? null : choice.file(),
          System.getenv()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("switchboard: failed to start: " + (cause instanceof ConfigException ? "" : cause.getClass()
          .getSimpleName() + ": ") + cause.getMessage());
      LogbackSetup.stop();
      if (vertx != null) {
        vertx.close();
      }
      System.exit(1);
      return;
    }
    stopOnExit(gateway);
    ReloadTriggers.onSighup(gateway.reloads);
  }

  /** On SIGTERM or the end of the JVM: the graceful stop, drain delay and grace included, then the logs flushed. */
  private static void stopOnExit(Switchboard running) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      var server = running.services.config().server();
      LOG.info("shutdown requested: /ready fails now, listener closes in " + server.drainDelay().toMillis()
          + " ms, in-flight requests then get up to " + server.shutdownGrace().toMillis() + " ms");
      try {
        long wait = server.drainDelay().toMillis() + server.shutdownGrace().toMillis() + 5_000;
        running.stop().toCompletionStage().toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
        LOG.info("shutdown complete");
      } catch (Exception e) {
        LOG.warning("shutdown did not finish cleanly: " + e);
      }
      LogbackSetup.stop();
    }, "switchboard-shutdown"));
  }

  /** {@code --demo}: simulated providers, a generated config and traffic; see {@link Demo}. */
  private static void runDemo(String host, String portText) {
    int port;
    try {
      port = Integer.parseInt(portText.trim());
    } catch (NumberFormatException e) {
      Cli.usage("the port must be a number, got " + portText);
      return;
    }
    Demo<Switchboard> demo;
    try {
      demo = Demo.start(host, port, Demo.defaultBehaviours(), 4.0, Switchboard::start).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("switchboard: demo failed to start: " + cause.getClass().getSimpleName() + ": "
          + cause.getMessage());
      LogbackSetup.stop();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        demo.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warning("demo shutdown did not finish cleanly: " + e);
      }
      LogbackSetup.stop();
    }, "switchboard-shutdown"));
  }

  /**
   * The config decides how the real Vert.x instance is built (its transport), so it is read with a short-lived
   * bootstrap instance first.
   */
  private static SwitchboardConfig loadConfig(ConfigChoice choice) throws Exception {
    LOG.info("using " + choice.described());
    if (choice.builtIn()) {
      return ConfigLoader.fromYaml(ConfigChoice.builtInYaml(), System.getenv(), choice.source());
    }
    if (!Files.isRegularFile(choice.file())) {
      throw new ConfigException(choice.file() + " does not exist or is not a file. Name a config with -c path (or "
          + "SWITCHBOARD_CONFIG), start without either to use " + ConfigChoice.DEFAULT_FILE + " or the built-in "
          + "default, or try --demo for simulated providers.");
    }
    Vertx bootstrap = Vertx.vertx();
    try {
      return ConfigLoader.load(bootstrap, choice.file().toString(), System.getenv()).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      bootstrap.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Starts a gateway in this JVM with its own Vert.x instance. */
  public static Future<Switchboard> start(SwitchboardConfig config) {
    return start(config, Clocks.SYSTEM);
  }

  /** Starts a gateway whose time-dependent services run on {@code clocks} (tests move a fake wall clock). */
  public static Future<Switchboard> start(SwitchboardConfig config, Clocks clocks) {
    return start(config, clocks, null, java.util.Map.of());
  }

  /**
   * Starts a gateway from a config file, as {@code main} does: reloads re-read {@code file} (interpolated with
   * {@code env}) and runtime changes are kept in the overlay store.
   */
  public static Future<Switchboard> start(Path file, java.util.Map<String, String> env, Clocks clocks) {
    SwitchboardConfig config;
    try {
      config = ConfigLoader.fromYaml(Files.readString(file), env, file.toString());
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    return start(config, clocks, file, env);
  }

  private static Future<Switchboard> start(SwitchboardConfig config, Clocks clocks, Path file,
                                           java.util.Map<String, String> env) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = newVertx(registry, config);
    return deploy(vertx, registry, config, clocks, file, env)
        .recover(err -> vertx.close().transform(v -> Future.failedFuture(err)));
  }

  private static Vertx newVertx(PrometheusMeterRegistry registry, SwitchboardConfig config) {
    // Vert.x's per-request HTTP and socket meters duplicate switchboard_* and cost measurable throughput on the hot
    // path; pools, event bus, verticles and the JVM stay.
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))
        .withTransport(transport(config.server().transport())).build();
  }

  /**
   * auto: native epoll where the platform has it (Linux), else NIO. io_uring is opt-in: measured faster on loopback
   * (see bench/README.md) and it passes the whole suite including back-pressure, but it is newer and container
   * seccomp profiles often forbid it; when unavailable it falls back to epoll, then NIO, with a log line.
   */
  private static Transport transport(String wanted) {
    Transport chosen = switch (wanted) {
      case "io_uring" -> Transport.IO_URING;
      case "nio" -> Transport.NIO;
      default -> Transport.EPOLL;
    };
    if (chosen != Transport.NIO && !chosen.available()) {
      Transport fallback = chosen == Transport.IO_URING && Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
      if (!wanted.equals("auto")) {
        LOG.warning("transport " + wanted + " is not available here (" + chosen.unavailabilityCause() + "); using "
            + fallback.name());
      }
      chosen = fallback;
    }
    return chosen;
  }

  /**
   * The running config is the file's with the stored runtime changes (the overlay) merged over it; with no file (a
   * config built in memory) it is the config as given.
   */
  private static Future<Switchboard> deploy(Vertx vertx, PrometheusMeterRegistry registry, SwitchboardConfig fileConfig,
                                            Clocks clocks, Path file, java.util.Map<String, String> env) {
    OverlayStore store = ReloadTriggers.overlayStore(vertx, fileConfig);
    if (file == null) {
      return deploy(vertx, registry, fileConfig, clocks, new ConfigStart(file, env, store, null, new JsonObject()));
    }
    return vertx.fileSystem().readFile(file.toString())
        .map(b -> ConfigLoader.tree(b.toString(), file.toString()))
        .compose(base -> ConfigReloads.startingOverlay(store, base, env).map(overlay -> {
          SwitchboardConfig running = ConfigLoader.parse(ConfigOverlay.merge(base, overlay), env);
          return deploy(vertx, registry, running, clocks, new ConfigStart(file, env, store, base, overlay));
        }))
        .compose(f -> f);
  }

  /** Where the running config came from, for its reloads. */
  private record ConfigStart(Path file, java.util.Map<String, String> env, OverlayStore store, JsonObject base,
                             JsonObject overlay) {
  }

  private static Future<Switchboard> deploy(Vertx vertx, PrometheusMeterRegistry registry, SwitchboardConfig config,
                                            Clocks clocks, ConfigStart origin) {
    ProviderRegistry providers = new ProviderRegistry(config, clocks);
    announce(config);
    // The generation a reload swaps: services read the sections a reload may change from here, per decision.
    LiveConfig generation = new LiveConfig(config);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    ProviderGuards guards = new ProviderGuards(vertx, providers, generation::routing, metrics, clocks);
    ProviderHealths health = new ProviderHealths(vertx, () -> generation.get().health(), providers, guards, metrics,
        clocks);
    LocalBuckets local = new LocalBuckets();
    Buckets buckets = config.ratelimit().redis() ? new RedisBuckets(vertx, config.ratelimit(), local, metrics) : local;
    ClientKeys keys = new ClientKeys(config.auth().keys());
    RateLimiter limiter = new RateLimiter(() -> generation.get().ratelimit(), keys::config, buckets, metrics);
    limiter.providerLimits(providers.all().stream().anyMatch(p -> p.config().limits().limited()
        || !p.config().modelLimits().isEmpty()));
    UsageService usage = new UsageService(vertx, config.usage(),
        new BudgetWindows(Clock.systemUTC(), config.usage().timeZone()), keys, providers, metrics);
    usage.holdClock(clocks.wall()::millis);
    if (config.ratelimit().redis()) {
      // One Redis for shared state: budgets are shared wherever rate limits are.
      usage.share(config.ratelimit());
    }
    Selector selector = new Selector(generation::routing, providers, guards, new ScoringPolicy(limiter.headroom()),
        List.of(new ContextWindowGate(limiter.estimator()), new RequirementGate(), health.gate(), limiter.gate(),
            usage.gate()));
    JsonLimits.apply(config.server());
    BufferBudget buffers = new BufferBudget(config.server().maxBufferedResponseBytes());
    ResponseCache cache = new ResponseCache(vertx, () -> generation.get().cache(), metrics,
        clocks.nanoTime()::getAsLong, clocks.wall().millis());
    LiveEvents live = new LiveEvents(vertx);
    AdminServices admin = new AdminServices(config, providers, guards, health, selector, limiter, usage, cache,
        metrics, registry);
    ModelCatalog catalog = new ModelCatalog(config, providers);
    RequestStats stats = new RequestStats(config.status().statsWindow(), clocks);
    UptimeHistory uptime = new UptimeHistory(clocks.wall());
    Insights insights = new Insights(catalog, stats, uptime, clocks);
    LocalResponder localResponder = new LocalResponder(config.server().maxResponseBytes(), buffers);
    ConfigReloads reloads = new ConfigReloads(vertx, origin.file(), origin.env(), origin.store(),
        new ConfigReloads.Targets(providers, guards, health, catalog, usage, limiter, metrics, generation, keys,
            LogbackSetup::levels),
        new AuditTrail(vertx, clocks.wall()), config, origin.base(), origin.overlay());
    Tracing tracing = config.telemetry().tracing() ? Tracing.of(config.telemetry()) : null;
    var stages = RequestPath.stages(vertx, config, keys, catalog, usage, limiter, cache,
        new RequestPath.Upstream(selector, guards, localResponder, metrics, health, buffers, generation), tracing);
    GatewayServices services = new GatewayServices(config, providers, catalog, localResponder, metrics, registry,
        new Readiness(vertx, config, providers, health, guards), guards, selector, health, limiter, usage,
        cache, live, buffers,
        router -> {
          AdminApi api = new AdminApi(vertx, admin, live);
          api.mount(router);
          new ConfigAdmin(reloads).mount(router);
          new InsightsAdmin(admin, insights).mount(router, api);
        }, stages,
        RequestPath.finishListeners(vertx, config, metrics, usage, providers, limiter, live, cache, clocks.wall(),
            tracing, stats),
        RequestPath.frontEnds(ResponseStores.of(vertx, config.responses()), clocks.wall()));
    live.start(admin);
    services.readiness().rateLimitStore(buckets::healthy, buckets::describe, config.ratelimit().failOpen());
    // The ledger store's state: reported, never a reason to refuse traffic (rows are held, then spilled, and replayed).
    services.readiness().readiness().register("usage_store",
        p -> p.complete(io.vertx.ext.healthchecks.Status.OK(usage.storeState())));
    AtomicInteger port = new AtomicInteger();
    String[] gatewayDeployment = new String[1];
    ConnectionLimits connectionLimits = new ConnectionLimits(config.server().maxConnections(),
        config.server().maxConnectionsPerClient());
    int instances = config.server().effectiveInstances();
    // The ledger first: keys created through the admin API must be known before the first request, and it is
    // undeployed last, after the gateway's last requests have queued their rows.
    return vertx.deployVerticle(new UsageVerticle(usage))
        .compose(id -> tracing == null ? Future.succeededFuture(id) : vertx.deployVerticle(new TelemetryVerticle(tracing)))
        .compose(id -> vertx.deployVerticle(() -> new GatewayVerticle(services, port, connectionLimits),
            new DeploymentOptions().setInstances(instances)))
        .onSuccess(id -> gatewayDeployment[0] = id)
        .compose(id -> vertx.deployVerticle(new UptimeVerticle(uptime, providers.all().stream()
            .filter(p -> !p.isLocal() && p.enabled()).map(p -> p.id()).toList(),
            config.usage().persist() ? Path.of(config.usage().dataDir()) : null)))
        .compose(id -> vertx.deployVerticle(new HealthVerticle(providers, health, metrics)))
        .compose(id -> vertx.deployVerticle(new RateLimitVerticle(limiter, config.ratelimit().redisHeartbeat())))
        .compose(id -> vertx.deployVerticle(new CacheVerticle(services.cache())))
        .compose(id -> config.metrics().port() == 0 ? Future.succeededFuture(id)
            : vertx.deployVerticle(new MetricsVerticle(config, registry)))
        .map(id -> {
          LOG.info("Switchboard listening on http://" + config.server().host() + ":" + port.get() + " with "
              + instances + " event-loop instance(s), " + ((io.vertx.core.internal.VertxInternal) vertx).transport().getClass().getSimpleName()
              .replace("Transport", "").toLowerCase()
              + " transport");
          ReloadTriggers.start(vertx, reloads, config.reload());
          return new Switchboard(vertx, services, port.get(), gatewayDeployment[0], reloads);
        });
  }

  private static void announce(SwitchboardConfig config) {
    for (ProviderConfig p : config.providers().values()) {
      if (p.enabled()) {
        LOG.info("provider " + p.id() + " (" + p.type().name().toLowerCase() + ") enabled"
            + (p.baseUrl() == null ? "" : " -> " + p.baseUrl()));
      } else {
        LOG.info("provider " + p.id() + " disabled: " + p.disabledReason());
      }
    }
    if (config.auth().open() && config.server().loopback()) {
      LOG.info("no client keys configured: the gateway is open to this machine only (" + config.server().host()
          + "). Set auth.keys (e.g. SWITCHBOARD_API_KEY) to serve other machines.");
    } else if (config.auth().open()) {
      LOG.warning("!!! NO CLIENT KEYS CONFIGURED and server.allow_open is true: the gateway is OPEN on "
          + config.server().host() + ", anyone who can reach it can spend your provider credits. !!!");
    }
  }

  /** The port the gateway actually listens on (useful when configured with port 0). */
  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  public GatewayServices services() {
    return services;
  }

  /** Reloads and runtime config changes of this gateway (what SIGHUP and the admin API call). */
  public ConfigReloads reloads() {
    return reloads;
  }

  /**
   * The gateway instances first, so their last requests (finished within the grace period) have queued their ledger
   * rows before the usage verticle's final flush: Vert.x's own close undeploys every verticle at once.
   */
  private void closeAfterGateway(Promise<Void> closed) {
    // vertx.close() returns a context-free future; chaining it with transform() would complete on an event loop that
    // the close has already shut down.
    vertx.undeploy(gatewayDeployment).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warning("gateway instances did not stop cleanly: " + ar.cause());
      }
      reloads.store().close().onComplete(c -> vertx.close().onComplete(closed));
    });
  }

  /**
   * Graceful stop: readiness goes down at once, the gateway keeps serving for {@code server.drain_delay} so load
   * balancers notice, then the listener closes and in-flight work gets {@code server.shutdown_grace}.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      services.readiness().draining();
      // Every response from now on says Connection: close, and idle keep-alive connections are closed.
      vertx.eventBus().publish(GatewayVerticle.DRAIN_ADDRESS, null);
      long delay = services.config().server().drainDelay().toMillis();
      // A context-free promise: callbacks chained on Vert.x's own futures would be scheduled on event loops that
      // the close is shutting down.
      Promise<Void> closed = Promise.promise();
      if (delay > 0) {
        vertx.setTimer(delay, id -> closeAfterGateway(closed));
      } else {
        closeAfterGateway(closed);
      }
      stopping = closed.future();
    }
    return stopping;
  }
}
