package dev.switchboard.routing;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pooled HTTP client per real provider, owned by one gateway verticle instance so its connections stay on
 * that instance's event loop. Built on first use from the provider's current config: after a reload that changed a
 * provider's address, TLS, pool size or connect timeout, the next attempt gets a new client and the old one shuts
 * down gracefully (its open exchanges finish first, within {@code grace}). A changed key needs no new client: the
 * adapter puts it in each request's headers. Confined to the instance's event loop.
 */
public final class ProviderClients {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ProviderClients.class.getName());
  private final Vertx vertx;
  private final ProviderRegistry registry;
  private final long graceMillis;
  private final Map<String, Pooled> clients = new HashMap<>();

  /** What a client is built from: a change in any of these needs a new client. */
  private record Shape(String host, int port, boolean ssl, long connectMillis, int maxConnections) {
    static Shape of(ProviderConfig cfg) {
      return new Shape(cfg.host(), cfg.port(), cfg.ssl(), cfg.timeouts().connect().toMillis(), cfg.maxConnections());
    }
  }

  private record Pooled(Shape shape, HttpClient client) {
  }

  public ProviderClients(Vertx vertx, ProviderRegistry registry) {
    this(vertx, registry, 300_000);
  }

  /** @param graceMillis how long a replaced or removed provider's open exchanges may take before its client closes */
  public ProviderClients(Vertx vertx, ProviderRegistry registry, long graceMillis) {
    this.vertx = vertx;
    this.registry = registry;
    this.graceMillis = graceMillis;
    for (Provider p : registry.all()) {
      get(p.id());
    }
  }

  private static HttpClient build(Vertx vertx, ProviderConfig cfg) {
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setSsl(cfg.ssl())
        .setDefaultHost(cfg.host())
        .setDefaultPort(cfg.port())
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, cfg.timeouts().connect().toMillis()))
        .setKeepAlive(true)
        .setKeepAliveTimeout(60)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setName("switchboard-" + cfg.id());
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(cfg.maxConnections());
    String id = cfg.id();
    return vertx.httpClientBuilder().with(options).with(pool)
        // Resets and closes reach the attempt through its request and response; logging them again per
        // connection would only repeat them as SEVERE noise.
        .withConnectHandler(conn -> conn.exceptionHandler(t -> LOG.fine("provider " + id + " connection error: " + t)))
        .build();
  }

  /**
   * The client for the provider's current config; for a provider a reload removed, the client it had (requests that
   * started before the reload finish on it), or null.
   */
  public HttpClient get(String providerId) {
    Provider p = registry.get(providerId);
    Pooled pooled = clients.get(providerId);
    if (p == null || p.isLocal() || !p.enabled()) {
      return pooled == null ? null : pooled.client();
    }
    Shape shape = Shape.of(p.config());
    if (pooled != null && pooled.shape().equals(shape)) {
      return pooled.client();
    }
    if (pooled != null) {
      retire(providerId, pooled);
    }
    HttpClient client = build(vertx, p.config());
    clients.put(providerId, new Pooled(shape, client));
    return client;
  }

  /**
   * Lets go of the clients of providers a reload removed: each shuts down once its open exchanges finish (at most
   * the grace period).
   */
  public void release(java.util.Collection<String> removed) {
    for (String id : removed) {
      Pooled pooled = clients.get(id);
      if (pooled != null && registry.get(id) == null) {
        clients.remove(id);
        retire(id, pooled);
      }
    }
  }

  private void retire(String providerId, Pooled pooled) {
    LOG.fine("provider " + providerId + ": old HTTP client shuts down after its open exchanges");
    pooled.client().shutdown(graceMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.client().close()));
    return Future.all(closing).mapEmpty();
  }
}
