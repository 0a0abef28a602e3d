package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Copies an embedded SQLite ledger (rows and created keys) into the PostgreSQL store, for a move from one machine
 * to several ({@code java -jar switchboard.jar migrate-ledger}). Each row's key names its source row (request id,
 * time and SQLite id), so running the copy again, or after a partial run, adds only what is missing; keys already
 * in PostgreSQL are kept. A command, not the gateway: it reads SQLite on the calling thread and waits for each
 * batch.
 */
public final class LedgerCopy {
  private static final int PAGE = 5_000;

  private LedgerCopy() {
  }

  /** What was copied. */
  public record Result(long rows, int keys, int keysSkipped) {
  }

  public static Result copy(Ledger from, PostgresLedgerStore to) throws Exception {
    await(to.migrate());
    int keys = 0;
    int skipped = 0;
    for (JsonObject k : from.keys()) {
      boolean added = await(to.saveKeyIfAbsent(k.getString("name"), k.getString("hash"), k.getJsonObject("spec"),
          k.getLong("created")));
      if (added) {
        keys++;
      } else {
        skipped++;
      }
    }
    long rows = 0;
    long after = 0;
    List<Map.Entry<Long, LedgerRow>> page;
    while (!(page = from.after(after, PAGE)).isEmpty()) {
      List<PostgresLedgerStore.KeyedRow> keyed = new ArrayList<>(page.size());
      for (Map.Entry<Long, LedgerRow> e : page) {
        LedgerRow r = e.getValue();
        keyed.add(new PostgresLedgerStore.KeyedRow("sqlite:" + r.requestId() + ':' + r.timeMillis() + ':'
            + e.getKey(), r));
        after = e.getKey();
      }
      await(to.insertKeyed(keyed));
      rows += page.size();
    }
    return new Result(rows, keys, skipped);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
  }
}
