package dev.switchboard.usage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The usage ledger and the keys created through the admin API, in an embedded SQLite database file under the data
 * directory. SQLite keeps its pages off the Java heap, so a ledger row costs the garbage collector next to nothing
 * (an H2 ledger, tried first, turned every row into heap objects that survived young collections: at 15k requests
 * a second it cut throughput by 40% and multiplied p99 by 5). Blocking JDBC: every method must be called from a
 * worker thread, never an event loop; one connection, used under this object's monitor.
 */
public final class Ledger implements AutoCloseable {
  private final Connection connection;

  private Ledger(Connection connection) throws SQLException {
    this.connection = connection;
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, "
          + "request_id VARCHAR(128), key_name VARCHAR(128), provider VARCHAR(128), model VARCHAR(256), "
          + "prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT, cost DOUBLE, latency_ms BIGINT, "
          + "ttft_ms BIGINT, status INT, cache_hit BOOLEAN, attempts VARCHAR(1024), estimated BOOLEAN)");
      s.execute("CREATE INDEX IF NOT EXISTS ledger_at ON ledger(at)");
      addEndUserColumn(connection);
      s.execute("CREATE TABLE IF NOT EXISTS api_keys (name VARCHAR(128) PRIMARY KEY, hash VARCHAR(64) NOT NULL, "
          + "spec VARCHAR(8192) NOT NULL, created BIGINT NOT NULL)");
    }
  }

  /** A ledger written before end users were recorded gains the column; its old rows have none. */
  private static void addEndUserColumn(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pragma_table_info('ledger') WHERE name = 'end_user'")) {
      if (rs.next() && rs.getInt(1) > 0) {
        return;
      }
    }
    try (Statement s = connection.createStatement()) {
      s.execute("ALTER TABLE ledger ADD COLUMN end_user VARCHAR(128)");
    }
  }

  /**
   * @param dir the data directory (created if missing); null for an in-memory ledger
   */
  public static Ledger open(Path dir) throws Exception {
    String url;
    if (dir == null) {
      url = "jdbc:sqlite::memory:";
    } else {
      Files.createDirectories(dir);
      url = "jdbc:sqlite:" + dir.toAbsolutePath().resolve("switchboard.db");
    }
    Connection c = DriverManager.getConnection(url);
    try (Statement s = c.createStatement()) {
      // Write-ahead log: readers (admin reports) never wait for the batch writer, and a crash loses at most the
      // last batch; NORMAL sync is durable at every checkpoint, enough for a ledger written once a second.
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA busy_timeout=5000");
    }
    return new Ledger(c);
  }

  /** An existing ledger file (for copying it elsewhere); fails when there is none rather than creating one. */
  public static Ledger openExisting(Path file) throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new java.io.FileNotFoundException(file + " is not a SQLite ledger file");
    }
    return new Ledger(DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath()));
  }

  private static final String INSERT = "INSERT INTO ledger (at, request_id, key_name, provider, model, prompt_tokens, "
      + "completion_tokens, cached_tokens, cost, latency_ms, ttft_ms, status, cache_hit, attempts, estimated, end_user) "
      + "VALUES ";
  private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final int COLUMNS = 16;
  /**
   * Rows per statement. With the rows' times in order (the index on {@code at} grows at its end), one 16-row statement
   * costs about 20 % less CPU per row than sixteen one-row ones: SQLite's per-statement work is paid once
   * ({@code bench/LedgerInsertShapes.java}: 2.2-2.3 against 2.7-3.1 microseconds a row).
   */
  static final int ROWS_PER_STATEMENT = 16;
  private static final String INSERT_ONE = INSERT + ROW;
  private static final String INSERT_MANY = INSERT + String.join(", ", java.util.Collections.nCopies(ROWS_PER_STATEMENT,
      ROW));

  public synchronized void insert(List<LedgerRow> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    // One transaction per batch: a commit per row would cost a log write each. Rows keep their order (and so their
    // ids): whole groups of 16 first, the rest one by one after them.
    int grouped = rows.size() - rows.size() % ROWS_PER_STATEMENT;
    connection.setAutoCommit(false);
    try {
      if (grouped > 0) {
        try (PreparedStatement p = connection.prepareStatement(INSERT_MANY)) {
          for (int i = 0; i < grouped; i += ROWS_PER_STATEMENT) {
            for (int j = 0; j < ROWS_PER_STATEMENT; j++) {
              bind(p, j * COLUMNS, rows.get(i + j));
            }
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      if (grouped < rows.size()) {
        try (PreparedStatement p = connection.prepareStatement(INSERT_ONE)) {
          for (int i = grouped; i < rows.size(); i++) {
            bind(p, 0, rows.get(i));
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      // Leaving auto-commit would commit the groups already sent: the batch goes whole or not at all.
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** One row's values from parameter {@code offset + 1} on. */
  private static void bind(PreparedStatement p, int offset, LedgerRow r) throws SQLException {
    p.setLong(offset + 1, r.timeMillis());
    p.setString(offset + 2, r.requestId());
    p.setString(offset + 3, r.keyName());
    p.setString(offset + 4, r.provider());
    p.setString(offset + 5, r.model());
    p.setLong(offset + 6, r.promptTokens());
    p.setLong(offset + 7, r.completionTokens());
    p.setLong(offset + 8, r.cachedTokens());
    p.setDouble(offset + 9, r.cost());
    p.setLong(offset + 10, r.latencyMillis());
    p.setLong(offset + 11, r.ttftMillis());
    p.setInt(offset + 12, r.status());
    p.setBoolean(offset + 13, r.cacheHit());
    p.setString(offset + 14, r.attempts() == null || r.attempts().length() <= 1024 ? r.attempts()
        : r.attempts().substring(0, 1024));
    p.setBoolean(offset + 15, r.estimated());
    p.setString(offset + 16, r.endUser());
  }

  /** Spend per key and per provider and day since {@code fromMillis}, to rebuild budget counters after a restart. */
  public synchronized List<Object[]> spendByDay(long fromMillis) throws SQLException {
    List<Object[]> out = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement(
        "SELECT key_name, provider, at, cost FROM ledger WHERE at >= ? AND cost > 0")) {
      p.setLong(1, fromMillis);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3), rs.getDouble(4)});
        }
      }
    }
    return out;
  }

  /**
   * Cost and tokens between two instants grouped by provider, model, key or day (days in {@code zone}; each day also
   * carries its cost per provider in {@code by_provider}, for the dashboard's trend chart).
   */
  public synchronized JsonArray costs(long fromMillis, long toMillis, String groupBy, java.time.ZoneId zone)
      throws SQLException {
    String column = CostReport.column(groupBy);
    if (column == null) {
      CostReport.Days days = new CostReport.Days(zone);
      try (PreparedStatement p = connection.prepareStatement("SELECT at, cost, prompt_tokens, completion_tokens, "
          + "provider FROM ledger WHERE at >= ? AND at < ?")) {
        p.setLong(1, fromMillis);
        p.setLong(2, toMillis);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            days.add(rs.getLong(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4), rs.getString(5));
          }
        }
      }
      return days.rows();
    }
    JsonArray out = new JsonArray();
    try (PreparedStatement p = connection.prepareStatement("SELECT " + column + ", SUM(cost), SUM(prompt_tokens), "
        + "SUM(completion_tokens), COUNT(*) FROM ledger WHERE at >= ? AND at < ? GROUP BY " + column
        + " ORDER BY SUM(cost) DESC, COUNT(*) DESC")) {
      p.setLong(1, fromMillis);
      p.setLong(2, toMillis);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(CostReport.group(groupBy, rs.getString(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4),
              rs.getLong(5)));
        }
      }
    }
    return out;
  }

  public synchronized long count() throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Rows of one request, newest first (for tests and support). */
  public synchronized List<JsonObject> rows(String requestId) throws SQLException {
    List<JsonObject> out = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement("SELECT key_name, provider, model, prompt_tokens, "
        + "completion_tokens, cached_tokens, cost, status, estimated, attempts, end_user FROM ledger WHERE request_id = ? "
        + "ORDER BY id DESC")) {
      p.setString(1, requestId);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new JsonObject().put("key", rs.getString(1)).put("provider", rs.getString(2))
              .put("model", rs.getString(3)).put("prompt_tokens", rs.getLong(4))
              .put("completion_tokens", rs.getLong(5)).put("cached_tokens", rs.getLong(6))
              .put("cost", rs.getDouble(7)).put("status", rs.getInt(8)).put("estimated", rs.getBoolean(9))
              .put("attempts", rs.getString(10)).put("end_user", rs.getString(11)));
        }
      }
    }
    return out;
  }

  /** Up to {@code limit} rows after row id {@code afterId}, in id order, each with its id (to copy the ledger). */
  public synchronized List<Map.Entry<Long, LedgerRow>> after(long afterId, int limit) throws SQLException {
    List<Map.Entry<Long, LedgerRow>> out = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement("SELECT id, at, request_id, key_name, provider, model, "
        + "prompt_tokens, completion_tokens, cached_tokens, cost, latency_ms, ttft_ms, status, cache_hit, attempts, "
        + "estimated, end_user FROM ledger WHERE id > ? ORDER BY id LIMIT ?")) {
      p.setLong(1, afterId);
      p.setInt(2, limit);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(Map.entry(rs.getLong(1), new LedgerRow(rs.getLong(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getDouble(10),
              rs.getLong(11), rs.getLong(12), rs.getInt(13), rs.getBoolean(14), rs.getString(15),
              rs.getBoolean(16), rs.getString(17))));
        }
      }
    }
    return out;
  }

  public synchronized int purgeBefore(long millis) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("DELETE FROM ledger WHERE at < ?")) {
      p.setLong(1, millis);
      return p.executeUpdate();
    }
  }

  // ---- keys created through the admin API ------------------------------------------------------------------------

  public synchronized void saveKey(String name, String hash, JsonObject spec, long created) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement(
        "INSERT INTO api_keys (name, hash, spec, created) VALUES (?, ?, ?, ?)")) {
      p.setString(1, name);
      p.setString(2, hash);
      p.setString(3, spec.encode());
      p.setLong(4, created);
      p.executeUpdate();
    }
  }

  public synchronized boolean deleteKey(String name) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("DELETE FROM api_keys WHERE name = ?")) {
      p.setString(1, name);
      return p.executeUpdate() > 0;
    }
  }

  /** Every stored key as {name, hash, spec, created}. */
  public synchronized List<JsonObject> keys() throws SQLException {
    List<JsonObject> out = new ArrayList<>();
    try (Statement s = connection.createStatement();
         ResultSet rs = s.executeQuery("SELECT name, hash, spec, created FROM api_keys ORDER BY created")) {
      while (rs.next()) {
        out.add(new JsonObject().put("name", rs.getString(1)).put("hash", rs.getString(2))
            .put("spec", new JsonObject(rs.getString(3))).put("created", rs.getLong(4)));
      }
    }
    return out;
  }

  @Override
  public synchronized void close() throws SQLException {
    connection.close();
  }
}
