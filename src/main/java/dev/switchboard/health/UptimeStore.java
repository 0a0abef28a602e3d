package dev.switchboard.health;

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

/**
 * Health transitions on disk, for uptime across restarts: a table of its own in the ledger's SQLite file
 * ({@code usage.data_dir}/switchboard.db), on a connection of its own. Blocking JDBC: call from a worker thread only;
 * one connection, used under this object's monitor.
 */
final class UptimeStore implements AutoCloseable {
  /** One stored transition. */
  record Row(String provider, long atMillis, String state) {
  }

  private final Connection connection;

  private UptimeStore(Connection connection) throws SQLException {
    this.connection = connection;
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("CREATE TABLE IF NOT EXISTS health_transitions (provider VARCHAR(128) NOT NULL, at BIGINT NOT NULL, "
          + "state VARCHAR(16) NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS health_transitions_at ON health_transitions(at)");
    }
  }

  /** @param dir the data directory; null keeps the transitions in memory (lost on restart) */
  static UptimeStore open(Path dir) throws Exception {
    String url = "jdbc:sqlite::memory:";
    if (dir != null) {
      Files.createDirectories(dir);
      url = "jdbc:sqlite:" + dir.toAbsolutePath().resolve("switchboard.db");
    }
    return new UptimeStore(DriverManager.getConnection(url));
  }

  synchronized void insert(List<Row> rows) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement(
        "INSERT INTO health_transitions (provider, at, state) VALUES (?, ?, ?)")) {
      for (Row r : rows) {
        p.setString(1, r.provider());
        p.setLong(2, r.atMillis());
        p.setString(3, r.state());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  /**
   * Transitions from {@code sinceMillis} on, with each provider's last one before it (the state the window began in);
   * older rows are deleted.
   */
  synchronized List<Row> loadSince(long sinceMillis) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement("SELECT t.provider, t.at, t.state FROM health_transitions t "
        + "WHERE t.at >= ? OR t.at = (SELECT MAX(o.at) FROM health_transitions o WHERE o.provider = t.provider "
        + "AND o.at < ?) ORDER BY t.at")) {
      p.setLong(1, sinceMillis);
      p.setLong(2, sinceMillis);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new Row(rs.getString(1), rs.getLong(2), rs.getString(3)));
        }
      }
    }
    try (PreparedStatement p = connection.prepareStatement("DELETE FROM health_transitions WHERE at < ? AND at < "
        + "(SELECT MAX(o.at) FROM health_transitions o WHERE o.provider = health_transitions.provider AND o.at < ?)")) {
      p.setLong(1, sinceMillis);
      p.setLong(2, sinceMillis);
      p.executeUpdate();
    }
    return out;
  }

  @Override
  public synchronized void close() throws SQLException {
    connection.close();
  }
}
