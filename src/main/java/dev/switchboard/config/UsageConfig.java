package dev.switchboard.config;

import java.time.Duration;
import java.time.ZoneId;

/**
 * Usage accounting and the ledger.
 *
 * @param dataDir directory of the embedded ledger database (created if missing)
 * @param persist false keeps the ledger in memory only (tests, throwaway runs)
 * @param timeZone the zone whose calendar days, weeks and months budgets count in
 * @param retention ledger rows older than this are deleted ({@code retention_days})
 * @param flushInterval how often buffered ledger rows are written, in one batch; short, so that queued rows die
 *     young instead of being copied by every young collection (1 s cost 5x in p99 at 15k requests a second)
 * @param alertThreshold share of a budget at which a soft alert is raised
 */
public record UsageConfig(String dataDir, boolean persist, ZoneId timeZone, Duration retention, Duration flushInterval,
                          double alertThreshold) {
  public static final UsageConfig DEFAULT = new UsageConfig("data", true, ZoneId.of("UTC"), Duration.ofDays(90),
      Duration.ofMillis(100), 0.8);
}
