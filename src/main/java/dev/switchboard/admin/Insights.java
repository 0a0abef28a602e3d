package dev.switchboard.admin;

import dev.switchboard.config.Clocks;
import dev.switchboard.health.UptimeHistory;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.usage.RequestStats;

/** What the status page, the statistics, uptime and the recommendations read, beside {@link AdminServices}. */
public record Insights(ModelCatalog catalog, RequestStats stats, UptimeHistory uptime, Clocks clocks) {
}
