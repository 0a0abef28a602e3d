package dev.switchboard.admin;

import dev.switchboard.config.Secret;
import dev.switchboard.health.HealthVerticle;
import dev.switchboard.health.ProviderHealth;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderStats;
import dev.switchboard.routing.ProviderGuard;
import dev.switchboard.routing.ScoringPolicy;
import dev.switchboard.routing.Target;
import dev.switchboard.api.ApiError;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The admin API under {@code /admin}, on the gateway's own port, guarded by {@code auth.admin_key}
 * ({@code Authorization: Bearer <admin key>}). Without an admin key configured it is switched off. Admin actions are
 * logged (never the key).
 */
public final class AdminApi {
  private static final Logger LOG = Logger.getLogger(AdminApi.class.getName());
  private final AdminServices services;
  private final LiveEvents live;
  private final Vertx vertx;
  private final byte[] adminKey;

  public AdminApi(Vertx vertx, AdminServices services, LiveEvents live) {
    this.vertx = vertx;
    this.services = services;
    this.live = live;
    Secret key = services.config().auth().adminKey();
    this.adminKey = key.isPresent() ? key.reveal().getBytes(StandardCharsets.UTF_8) : null;
  }

  public void mount(Router router) {
    mountDashboard(router);
    router.route("/admin/*").handler(this::authenticate);
    router.get("/admin/events").handler(ctx -> live.open(ctx, router));
    router.get("/admin/providers").handler(ctx -> json(ctx, 200, providers()));
    router.get("/admin/quotas").handler(ctx -> json(ctx, 200, services.limiter().describe()));
    new UsageAdmin(services.usage()).mount(router);
    router.get("/admin/providers/:id").handler(ctx -> withProvider(ctx, p -> json(ctx, 200, provider(p))));
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16 * 1024);
    router.post("/admin/providers/:id/probe").handler(ctx -> withProvider(ctx, p -> probe(ctx, p)));
    router.post("/admin/providers/:id/maintenance").handler(body)
        .handler(ctx -> withProvider(ctx, p -> maintenance(ctx, p)));
    router.post("/admin/providers/:id/enable").handler(ctx -> withProvider(ctx, p -> enable(ctx, p)));
    new CacheAdmin(vertx, services.cache()).mount(router);
  }

  /**
   * The dashboard's static page. It holds no data, so it is served without the admin key; everything it shows comes
   * from {@code /admin/*} with the key the operator types in. Same-origin only: no inline script, no CDN.
   */
  private static void mountDashboard(Router router) {
    // The page itself: served for both spellings (its assets are referenced by absolute paths).
    router.get("/dashboard").handler(ctx -> ctx.reroute("/dashboard/index.html"));
    router.get("/dashboard/").handler(ctx -> ctx.reroute("/dashboard/index.html"));
    router.route("/dashboard/*").handler(ctx -> {
      ctx.response()
          .putHeader("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; "
              + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
          .putHeader("x-content-type-options", "nosniff")
          .putHeader("referrer-policy", "no-referrer");
      ctx.next();
    });
    router.route("/dashboard/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false)
        .setIndexPage("index.html").setDirectoryListing(false));
  }

  /** Lets the request on only with the admin key; answers 401/403 otherwise. */
  void authenticate(RoutingContext ctx) {
    if (adminKey == null) {
      error(ctx, new ApiError(403, ApiError.AUTHENTICATION, "The admin API is switched off: set auth.admin_key "
          + "(e.g. SWITCHBOARD_ADMIN_KEY) to use it.", null, "admin_disabled"));
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String token = header == null ? "" : header.regionMatches(true, 0, "Bearer ", 0, 7)
        ? header.substring(7).trim() : header.trim();
    // Constant-time: the comparison must not tell an attacker how much of a guess was right.
    if (!MessageDigest.isEqual(adminKey, token.getBytes(StandardCharsets.UTF_8))) {
      error(ctx, new ApiError(401, ApiError.AUTHENTICATION, token.isEmpty()
          ? "The admin API needs the admin key: 'Authorization: Bearer <admin key>'."
          : "Incorrect admin key.", null, token.isEmpty() ? "missing_api_key" : "invalid_api_key"));
      return;
    }
    ctx.next();
  }

  private void withProvider(RoutingContext ctx, java.util.function.Consumer<Provider> action) {
    Provider p = services.providers().get(ctx.pathParam("id"));
    if (p == null) {
      error(ctx, new ApiError(404, ApiError.INVALID_REQUEST, "No provider '" + ctx.pathParam("id") + "'.", "id",
          "provider_not_found"));
      return;
    }
    action.accept(p);
  }

  private JsonObject providers() {
    JsonArray data = new JsonArray();
    services.providers().all().forEach(p -> data.add(provider(p)));
    return new JsonObject().put("object", "list").put("data", data);
  }

  /** Everything the gateway knows about one provider right now. */
  JsonObject provider(Provider p) {
    long now = System.nanoTime();
    ProviderStats s = p.stats();
    ProviderGuard guard = services.guards().of(p);
    long[] window = s.window();
    JsonObject out = new JsonObject()
        .put("id", p.id())
        .put("type", p.type().name().toLowerCase())
        .put("enabled", p.enabled())
        .put("disabled_reason", p.config().disabledReason())
        .put("models", new JsonArray(new ArrayList<>(p.config().models())));
    ProviderHealth health = services.health().of(p);
    out.put("health", HealthVerticle.describe(health).put("probed", services.health().watched(p)));
    out.put("circuit", new JsonObject()
        .put("state", guard.circuit().phase().name().toLowerCase())
        .put("since", guard.circuit().sinceMillis())
        .put("trial_in_ms", guard.circuit().millisUntilTrial(now)));
    long cooldown = guard.cooldownRemainingMillis(now);
    out.put("cooldown", cooldown == 0 ? null
        : new JsonObject().put("reason", guard.cooldownReason()).put("remaining_ms", cooldown));
    out.put("suspended", guard.suspendedReason());
    out.put("stats", new JsonObject()
        .put("requests", s.requests())
        .put("failures", s.failures())
        .put("in_flight", s.inFlight())
        .put("consecutive_failures", s.consecutiveFailures())
        .put("latency_ms", round(s.latencyMillis()))
        .put("ttft_ms", round(s.firstTokenMillis()))
        .put("window_attempts", window[0])
        .put("window_failures", window[1])
        .put("error_rate", window[0] == 0 ? 0.0 : round(1.0 * window[1] / window[0])));
    out.put("score", score(p));
    return out;
  }

  /**
   * The provider's score among every enabled real provider, each on its first model, with the default weights:
   * what the {@code score} strategy would think of it for a request all of them could serve.
   */
  private JsonObject score(Provider p) {
    if (p.isLocal() || !p.enabled()) {
      return null;
    }
    List<Target> all = new ArrayList<>();
    int self = -1;
    for (Provider o : services.providers().all()) {
      if (o.isLocal() || !o.enabled() || o.config().models().isEmpty()) {
        continue;
      }
      if (o == p) {
        self = all.size();
      }
      all.add(Target.of(o, o.config().models().get(0)));
    }
    if (self < 0) {
      return null;
    }
    ScoringPolicy.Score s = services.selector().scoring().score(all, services.config().routing().weights())[self];
    return new JsonObject().put("total", round(s.total())).put("latency", round(s.latency()))
        .put("errors", round(s.errors())).put("quality", round(s.quality())).put("cost", round(s.cost()))
        .put("load", round(s.load())).put("headroom", round(s.headroom()));
  }

  private void probe(RoutingContext ctx, Provider p) {
    long timeout = services.config().health().timeout().toMillis() + 5_000;
    vertx.eventBus().<JsonObject>request(HealthVerticle.PROBE_ADDRESS, p.id(),
            new DeliveryOptions().setSendTimeout(timeout))
        .onSuccess(reply -> {
          LOG.info("admin: forced a probe of provider " + p.id());
          json(ctx, 200, provider(p));
        })
        .onFailure(err -> error(ctx, new ApiError(409, ApiError.INVALID_REQUEST, "Provider '" + p.id()
            + "' cannot be probed: " + err.getMessage(), "id", "not_probeable")));
  }

  private void maintenance(RoutingContext ctx, Provider p) {
    String reason = "maintenance (set by an admin)";
    try {
      JsonObject body = ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
      if (body != null && body.getValue("reason") instanceof String r && !r.isBlank()) {
        reason = "maintenance: " + r.trim();
      }
    } catch (RuntimeException e) {
      error(ctx, ApiError.invalid("The body must be empty or a JSON object such as {\"reason\": \"...\"}.", null,
          "invalid_json"));
      return;
    }
    services.health().of(p).maintenance(reason);
    LOG.warning("admin: provider " + p.id() + " put in maintenance");
    json(ctx, 200, provider(p));
  }

  private void enable(RoutingContext ctx, Provider p) {
    services.health().of(p).enable("re-enabled by an admin");
    services.guards().of(p).restore("re-enabled by an admin");
    LOG.warning("admin: provider " + p.id() + " re-enabled");
    json(ctx, 200, provider(p));
  }

  private static Double round(double v) {
    return v < 0 ? null : Math.round(v * 1000) / 1000.0;
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.toBuffer());
  }

  static void error(RoutingContext ctx, ApiError e) {
    json(ctx, e.status(), e.toJson());
  }
}
