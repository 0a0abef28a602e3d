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
 * that instance's event loop.
 */
public final class ProviderClients {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ProviderClients.class.getName());
  private final Map<String, HttpClient> clients = new HashMap<>();

  public ProviderClients(Vertx vertx, ProviderRegistry registry) {
    for (Provider p : registry.all()) {
      if (p.isLocal() || !p.enabled()) {
        continue;
      }
      ProviderConfig cfg = p.config();
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
      String id = p.id();
      clients.put(id, vertx.httpClientBuilder().with(options).with(pool)
          // Resets and closes reach the attempt through its request and response; logging them again per
          // connection would only repeat them as SEVERE noise.
          .withConnectHandler(conn -> conn.exceptionHandler(t -> LOG.fine("provider " + id + " connection error: " + t)))
          .build());
    }
  }

  public HttpClient get(String providerId) {
    return clients.get(providerId);
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    return Future.all(closing).mapEmpty();
  }
}
