package dev.switchboard.usage;

import dev.switchboard.config.PostgresStoreConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.testing.PostgresProcess;
import dev.switchboard.testing.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The PostgreSQL schema's versioned migrations: idempotent, safe when instances start together, and upgrading. */
class PgMigrationsTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  @RegisterExtension
  static final PostgresServer PG = new PostgresServer();
  private final Vertx vertx = Vertx.vertx();
  private String database;

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private PostgresLedgerStore store() {
    database = database == null ? "m" + DATABASES.incrementAndGet() : database;
    PostgresProcess pg = PG.process();
    if (!pg.sql("SELECT datname FROM pg_database").contains(database)) {
      pg.newDatabase(database);
    }
    String url = "postgres://127.0.0.1:" + pg.port() + "/" + database;
    return new PostgresLedgerStore(vertx, new PostgresStoreConfig(url, PostgresProcess.USER, Secret.empty(), 2, 1000,
        "target/spill-unused", Duration.ofSeconds(10), Duration.ofSeconds(5)));
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String sql(String statement) {
    return PG.process().sql(database, statement);
  }

  @Test
  void runTwiceTheSecondRunFindsNothingToDo() throws Exception {
    PostgresLedgerStore store = store();
    assertThat(get(store.migrate())).as("a fresh database").isZero();
    assertThat(get(store.migrate())).isEqualTo(PgMigrations.latest());
    assertThat(sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM switchboard_schema")).isEqualTo("1,2,3,4");
    get(store.close());
  }

  @Test
  void instancesStartingTogetherApplyEveryStepOnce() throws Exception {
    List<PostgresLedgerStore> stores = List.of(store(), store(), store(), store());
    List<Future<Integer>> runs = stores.stream().map(PostgresLedgerStore::migrate).toList();
    get(Future.all(runs));
    assertThat(runs.stream().map(Future::result).filter(v -> v == 0)).as("exactly one found an empty database")
        .hasSize(1);
    assertThat(sql("SELECT COUNT(*) FROM switchboard_schema")).isEqualTo(Integer.toString(PgMigrations.latest()));
    for (PostgresLedgerStore s : stores) {
      get(s.close());
    }
  }

  @Test
  void aDatabaseAtTheFirstVersionIsUpgradedAndKeepsItsRows() throws Exception {
    store();
    sql("CREATE TABLE switchboard_schema (version INT PRIMARY KEY, applied_at BIGINT NOT NULL)");
    for (String step : PgMigrations.STEPS.get(0)) {
      sql(step);
    }
    sql("INSERT INTO switchboard_schema VALUES (1, 0)");
    sql("INSERT INTO ledger (at, request_id, key_name, provider, model, cost) "
        + "VALUES (1, 'req_old', 'k', 'p', 'm', 0.5)");

    PostgresLedgerStore store = store();
    assertThat(get(store.migrate())).isEqualTo(1);
    assertThat(sql("SELECT MAX(version) FROM switchboard_schema")).isEqualTo("4");
    assertThat(get(store.rows("req_old"))).hasSize(1);
    // The new column is there and makes a replayed row count once.
    var row = new LedgerRow(2, "req_new", "k", "p", "m", 1, 1, 0, 0.25, 5, -1, 200, false, "p:200", false);
    List<PostgresLedgerStore.KeyedRow> keyed = store.keyed(List.of(row));
    get(store.insertKeyed(keyed));
    get(store.insertKeyed(keyed));
    assertThat(get(store.count())).isEqualTo(2);
    get(store.close());
  }
}
