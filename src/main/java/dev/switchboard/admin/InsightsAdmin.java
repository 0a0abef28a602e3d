package dev.switchboard.admin;

import dev.switchboard.health.Availability;
import dev.switchboard.provider.Provider;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * {@code GET /status} (public unless {@code status.public: false}), and behind the admin key {@code GET /admin/stats},
 * {@code POST /admin/stats/reset}, {@code GET /admin/uptime} and {@code GET /admin/recommendations}.
 */
public final class InsightsAdmin {
  private static final Logger LOG = Logger.getLogger(InsightsAdmin.class.getName());
  private final AdminServices services;
  private final Insights insights;
  private final ServiceStatus status;
  private final Recommendations recommendations;

  public InsightsAdmin(AdminServices services, Insights insights) {
    this.services = services;
    this.insights = insights;
    this.status = new ServiceStatus(services.config(), services.providers(),
        new Availability(services.health(), services.guards()), insights.clocks().nanoTime(), insights.clocks().wall());
    this.recommendations = new Recommendations(services, insights.catalog(), insights.stats(),
        insights.clocks().nanoTime());
  }

  /** Mounted after {@link AdminApi#mount}, whose {@code /admin/*} authentication guards the admin routes. */
  public void mount(Router router, AdminApi api) {
    var statusRoute = router.get("/status");
    if (!services.config().status().open()) {
      statusRoute.handler(api::authenticate);
    }
    statusRoute.handler(ctx -> AdminApi.json(ctx, 200, status.describe()));
    router.get("/admin/stats").handler(ctx -> AdminApi.json(ctx, 200, stats()));
    router.post("/admin/stats/reset").handler(ctx -> {
      insights.stats().reset();
      LOG.info("admin: statistics reset");
      AdminApi.json(ctx, 200, stats());
    });
    router.get("/admin/uptime").handler(ctx -> AdminApi.json(ctx, 200, insights.uptime().describe(realProviders())));
    router.get("/admin/recommendations").handler(ctx -> AdminApi.json(ctx, 200, recommendations.describe()));
  }

  private JsonObject stats() {
    return insights.stats().describe().put("currency", services.config().usage().currency());
  }

  private List<String> realProviders() {
    List<String> ids = new ArrayList<>();
    for (Provider p : services.providers().all()) {
      if (!p.isLocal() && p.enabled()) {
        ids.add(p.id());
      }
    }
    return ids;
  }
}
