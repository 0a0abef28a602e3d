package dev.switchboard;

import dev.switchboard.testing.PostgresProcess;
import dev.switchboard.testing.PostgresServer;
import dev.switchboard.usage.Ledger;
import dev.switchboard.usage.LedgerRow;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code migrate-ledger} moves an embedded SQLite ledger into PostgreSQL, once, however often it runs. */
class MigrateLedgerTest {
  @RegisterExtension
  static final PostgresServer PG = new PostgresServer();

  @Test
  void copiesRowsAndKeysAndARerunAddsNothing() throws Exception {
    PostgresProcess pg = PG.process();
    Path dir = Files.createTempDirectory(Path.of("target"), "sqlite-ledger-");
    try (Ledger ledger = Ledger.open(dir)) {
      List<LedgerRow> rows = new ArrayList<>();
      for (int i = 0; i < 12_345; i++) {
        rows.add(new LedgerRow(1_000L + i, "req_" + i, "team", "openai", "gpt-4o", 10, 5, 0, 0.001, 12, 3, 200,
            false, "openai:200", false));
      }
      ledger.insert(rows);
      ledger.saveKey("made", "ab".repeat(32), new JsonObject().put("models", List.of("m")), 42);
    }
    String url = pg.newDatabase("moved");
    Map<String, String> env = Map.of();
    String[] args = {"--from", dir.toString(), "--to", url, "--user", PostgresProcess.USER};

    assertThat(MigrateLedger.run(args, env)).isZero();
    assertThat(MigrateLedger.run(args, env)).as("a second run").isZero();

    assertThat(pg.sql("moved", "SELECT COUNT(*), COUNT(DISTINCT request_id), ROUND(SUM(cost)::numeric, 3) FROM ledger"))
        .isEqualTo("12345|12345|12.345");
    assertThat(pg.sql("moved", "SELECT name, hash, created FROM api_keys")).isEqualTo("made|" + "ab".repeat(32) + "|42");
  }

  @Test
  void aPasswordInTheUrlIsNeverPrinted() {
    assertThat(dev.switchboard.usage.PostgresLedgerStore.printable("postgres://sb:s3cret@db:5432/x"))
        .isEqualTo("postgres://sb:***@db:5432/x");
    assertThat(dev.switchboard.usage.PostgresLedgerStore.printable("postgres://db:5432/x"))
        .isEqualTo("postgres://db:5432/x");
  }

  @Test
  void aMistakeIsAUsageErrorAndAMissingFileAFailure() {
    assertThat(MigrateLedger.run(new String[] {"--to", "postgres://x/y"}, Map.of())).isEqualTo(2);
    assertThat(MigrateLedger.run(new String[] {"--from", "x", "--to", "mysql://x"}, Map.of())).isEqualTo(2);
    assertThat(MigrateLedger.run(new String[] {"--from", "target/no-such-ledger.db", "--to",
        "postgres://127.0.0.1:1/none"}, Map.of())).isEqualTo(1);
  }
}
