package dev.switchboard.config;

import java.time.Duration;

/**
 * The shared store ({@code usage.store: postgres}): where PostgreSQL is and how the gateway leans on it.
 *
 * @param url {@code postgres://host:port/database} (a user and password in the URL are allowed, but the
 *     {@code user}/{@code password} keys, from the environment, are the way to keep them out of the file)
 * @param user role to connect as; empty takes the URL's
 * @param password the role's password; empty takes the URL's (or none)
 * @param poolSize connections per instance; the ledger writer uses one at a time, reports and key changes the rest
 * @param maxQueuedRows rows kept in memory while PostgreSQL does not answer; beyond them rows go to the spill file
 * @param spillDir directory of the spill file (rows written while PostgreSQL was unreachable, replayed when it returns)
 * @param keyRefresh how often every instance re-reads the created keys, the safety net under LISTEN/NOTIFY
 * @param connectTimeout how long a connection attempt may take before the store counts as down
 */
public record PostgresStoreConfig(String url, String user, Secret password, int poolSize, int maxQueuedRows,
                                  String spillDir, Duration keyRefresh, Duration connectTimeout) {
  public static final PostgresStoreConfig DEFAULT = new PostgresStoreConfig("postgres://127.0.0.1:5432/switchboard",
      "", Secret.empty(), 4, 10_000, "data/spill", Duration.ofSeconds(10), Duration.ofSeconds(5));
}
