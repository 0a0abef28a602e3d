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
 * @param currency ISO 4217 code of the unit that model prices, costs and budgets are in ({@code USD}); used to show
 *     money (the dashboard, reports), never to convert it
 * @param store where the ledger, created keys and reports live: {@code sqlite} (a file under {@code dataDir}, one
 *     instance) or {@code postgres} (shared by every instance)
 * @param postgres the PostgreSQL store's settings (used with {@code store: postgres})
 * @param reservationTtl how long a key budget's reservation for a request in flight holds before it lapses on its
 *     own ({@code reservation_ttl}): longer than any request runs, short enough that a crashed instance's holds
 *     stop blocking the key soon
 */
public record UsageConfig(String dataDir, boolean persist, ZoneId timeZone, Duration retention, Duration flushInterval,
                          double alertThreshold, String currency, String store, PostgresStoreConfig postgres,
                          Duration reservationTtl) {
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofMinutes(10);
  public static final String DEFAULT_CURRENCY = "USD";
  public static final String SQLITE = "sqlite";
  public static final String POSTGRES = "postgres";
  public static final UsageConfig DEFAULT = new UsageConfig("data", true, ZoneId.of("UTC"), Duration.ofDays(90),
      Duration.ofMillis(100), 0.8, DEFAULT_CURRENCY);

  public UsageConfig(String dataDir, boolean persist, ZoneId timeZone, Duration retention, Duration flushInterval,
                     double alertThreshold, String currency, String store, PostgresStoreConfig postgres) {
    this(dataDir, persist, timeZone, retention, flushInterval, alertThreshold, currency, store, postgres,
        DEFAULT_RESERVATION_TTL);
  }

  /** The settings with the embedded SQLite store. */
  public UsageConfig(String dataDir, boolean persist, ZoneId timeZone, Duration retention, Duration flushInterval,
                     double alertThreshold, String currency) {
    this(dataDir, persist, timeZone, retention, flushInterval, alertThreshold, currency, SQLITE,
        PostgresStoreConfig.DEFAULT);
  }

  public boolean postgresStore() {
    return POSTGRES.equals(store);
  }

  /** The settings without a currency: {@value #DEFAULT_CURRENCY}. */
  public UsageConfig(String dataDir, boolean persist, ZoneId timeZone, Duration retention, Duration flushInterval,
                     double alertThreshold) {
    this(dataDir, persist, timeZone, retention, flushInterval, alertThreshold, DEFAULT_CURRENCY);
  }
}
