package dev.switchboard.usage;

import io.vertx.core.json.JsonArray;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Ledger rows the store could not take, on local disk: one segment file per spill ({@code spill-<millis>-<n>.jsonl},
 * one JSON array per row with its idempotency key), so a replay reads one bounded segment at a time and deletes it
 * only once every row in it is written. Segments outlive a restart. Blocking file I/O: call from a worker thread.
 */
final class SpillFile {
  private final Path dir;
  private long sequence;

  SpillFile(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  /** Writes rows as a new segment (to a temp name first, so a crash never leaves half a segment to replay). */
  synchronized void append(List<PostgresLedgerStore.KeyedRow> rows) throws IOException {
    if (rows.isEmpty()) {
      return;
    }
    Files.createDirectories(dir);
    String name = String.format("spill-%013d-%06d.jsonl", System.currentTimeMillis(), ++sequence);
    Path tmp = dir.resolve(name + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (PostgresLedgerStore.KeyedRow k : rows) {
        LedgerRow r = k.row();
        w.write(new JsonArray().add(k.key()).add(r.timeMillis()).add(r.requestId()).add(r.keyName())
            .add(r.provider()).add(r.model()).add(r.promptTokens()).add(r.completionTokens()).add(r.cachedTokens())
            .add(r.cost()).add(r.latencyMillis()).add(r.ttftMillis()).add(r.status()).add(r.cacheHit())
            .add(r.attempts()).add(r.estimated()).add(r.endUser()).encode());
        w.newLine();
      }
    }
    Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The segments waiting, oldest first. */
  synchronized List<Path> segments() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("spill-.*\\.jsonl")).sorted().toList();
    }
  }

  static List<PostgresLedgerStore.KeyedRow> read(Path segment) throws IOException {
    List<PostgresLedgerStore.KeyedRow> out = new ArrayList<>();
    for (String line : Files.readAllLines(segment, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonArray a = new JsonArray(line);
      out.add(new PostgresLedgerStore.KeyedRow(a.getString(0), new LedgerRow(a.getLong(1), a.getString(2),
          a.getString(3), a.getString(4), a.getString(5), a.getLong(6), a.getLong(7), a.getLong(8), a.getDouble(9),
          a.getLong(10), a.getLong(11), a.getInteger(12), a.getBoolean(13), a.getString(14), a.getBoolean(15),
          a.size() > 16 ? a.getString(16) : null)));
    }
    return out;
  }

  /** Rows in every segment (counted at start and kept up to date by the writer). */
  long countRows() throws IOException {
    long n = 0;
    for (Path p : segments()) {
      try (Stream<String> lines = Files.lines(p, StandardCharsets.UTF_8)) {
        n += lines.filter(l -> !l.isBlank()).count();
      }
    }
    return n;
  }

  static void delete(Path segment) throws IOException {
    Files.deleteIfExists(segment);
  }

}
