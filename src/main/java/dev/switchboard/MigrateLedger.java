package dev.switchboard;

import dev.switchboard.config.PostgresStoreConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.usage.Ledger;
import dev.switchboard.usage.LedgerCopy;
import dev.switchboard.usage.PostgresLedgerStore;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code java -jar switchboard.jar migrate-ledger --from data [--to postgres://host:5432/db] [--user name]}: copies
 * an embedded SQLite ledger (rows and created keys) into PostgreSQL. {@code --from} is the data directory or its
 * {@code switchboard.db}; the password comes from {@code SWITCHBOARD_PG_PASSWORD} (or {@code PGPASSWORD}), never the
 * command line. Safe to run again: rows already copied are skipped.
 */
final class MigrateLedger {
  static final String NAME = "migrate-ledger";

  private MigrateLedger() {
  }

  /** Runs the command; answers the exit status (0 done, 1 failed, 2 usage mistake). */
  static int run(String[] args, Map<String, String> env) {
    String from = null;
    String to = env.get("SWITCHBOARD_PG_URL");
    String user = env.getOrDefault("SWITCHBOARD_PG_USER", "");
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--from" -> from = value;
        case "--to" -> to = value;
        case "--user" -> user = value;
        default -> {
          return usage("unknown argument " + args[i]);
        }
      }
      if (value == null) {
        return usage("missing value after " + args[i]);
      }
      i++;
    }
    if (from == null || to == null) {
      return usage(from == null ? "--from is required" : "--to is required (or SWITCHBOARD_PG_URL)");
    }
    if (!to.matches("postgres(ql)?://.+")) {
      return usage("--to must be a postgres:// URL");
    }
    Path file = Files.isDirectory(Path.of(from)) ? Path.of(from, "switchboard.db") : Path.of(from);
    String password = env.getOrDefault("SWITCHBOARD_PG_PASSWORD", env.getOrDefault("PGPASSWORD", ""));
    Vertx vertx = Vertx.vertx();
    PostgresStoreConfig config = new PostgresStoreConfig(to, user, Secret.of(password), 2,
        PostgresStoreConfig.DEFAULT.maxQueuedRows(), PostgresStoreConfig.DEFAULT.spillDir(),
        PostgresStoreConfig.DEFAULT.keyRefresh(), java.time.Duration.ofSeconds(30));
    PostgresLedgerStore store = new PostgresLedgerStore(vertx, config);
    try (Ledger ledger = Ledger.openExisting(file)) {
      LedgerCopy.Result r = LedgerCopy.copy(ledger, store);
      System.out.println("migrate-ledger: copied " + r.rows() + " ledger rows and " + r.keys() + " keys from " + file
          + " to " + PostgresLedgerStore.printable(to)
          + (r.keysSkipped() > 0 ? " (" + r.keysSkipped() + " keys were there already)" : "")
          + "; rows copied before were skipped");
      return 0;
    } catch (Exception e) {
      System.err.println("migrate-ledger: failed: " + e.getMessage());
      return 1;
    } finally {
      store.close();
      vertx.close();
    }
  }

  private static int usage(String problem) {
    System.err.println("switchboard migrate-ledger: " + problem);
    System.err.println("usage: java -jar switchboard.jar migrate-ledger --from <data dir or switchboard.db> "
        + "--to postgres://host:5432/db [--user name]   (password: $SWITCHBOARD_PG_PASSWORD or $PGPASSWORD)");
    return 2;
  }
}
