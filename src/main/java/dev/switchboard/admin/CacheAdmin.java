package dev.switchboard.admin;

import dev.switchboard.cache.CacheVerticle;
import dev.switchboard.cache.ResponseCache;
import dev.switchboard.api.ApiError;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /admin/cache} (size, hit rate, evictions, the Redis tier's state) and {@code POST /admin/cache/clear}
 * (empties memory and the Redis prefix; carried out by the {@link CacheVerticle}). Mounted by {@link AdminApi}
 * behind its authentication.
 */
final class CacheAdmin {
  private static final long CLEAR_TIMEOUT_MILLIS = 60_000;
  private final Vertx vertx;
  private final ResponseCache cache;

  CacheAdmin(Vertx vertx, ResponseCache cache) {
    this.vertx = vertx;
    this.cache = cache;
  }

  void mount(Router router) {
    router.get("/admin/cache").handler(ctx -> AdminApi.json(ctx, 200, cache.describe()));
    router.post("/admin/cache/clear").handler(this::clear);
  }

  private void clear(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(CacheVerticle.CLEAR_ADDRESS, null,
            new DeliveryOptions().setSendTimeout(CLEAR_TIMEOUT_MILLIS))
        .onSuccess(msg -> AdminApi.json(ctx, 200, new JsonObject().put("cleared", msg.body())
            .put("cache", cache.describe())))
        .onFailure(err -> AdminApi.error(ctx, ApiError.server("The cache could not be cleared: " + err.getMessage())));
  }
}
