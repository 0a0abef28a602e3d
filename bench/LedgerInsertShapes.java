import java.sql.*;
import java.util.*;
import java.lang.management.*;
/**
 * CPU ns per ledger row of SQLite insert shapes (issue 17: is there a cheaper way to write the ledger's batches?), in
 * the ledger's schema, WAL and synchronous=NORMAL, 800-row batches in one transaction (about 100 ms of rows at 8k
 * requests a second), median and min of 15 rounds of 10 batches, CPU of this thread:
 * {@code java -cp target/switchboard.jar bench/LedgerInsertShapes.java [single multi16 multi64 mb16 mb64 json jrow]}
 * ({@code -Dpragmas="wal_autocheckpoint=10000"} adds pragmas). single = one-row statement batched (the ledger's first shape; it now sends mb16 and the rest one by one);
 * multiN = N-row VALUES statements executed one by one, mbN = the same batched; json = the whole batch as one JSON
 * text through json_each; jrow = one JSON text per row.
 */
public class LedgerInsertShapes {
  static final String COLS = "at, request_id, key_name, provider, model, prompt_tokens, completion_tokens, cached_tokens, cost, latency_ms, ttft_ms, status, cache_hit, attempts, estimated, end_user";
  record R(long t, String id, String key, String prov, String model, long p, long c, long ca, double cost, long lat, long ttft, int st, boolean hit, String att, boolean est, String eu) {}
  static Connection open(String f) throws Exception {
    new java.io.File(f).delete(); new java.io.File(f+"-wal").delete(); new java.io.File(f+"-shm").delete();
    Connection c = DriverManager.getConnection("jdbc:sqlite:"+f);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL"); s.execute("PRAGMA synchronous=NORMAL");
      for (String pr : System.getProperty("pragmas","").split(";")) if (!pr.isBlank()) s.execute("PRAGMA "+pr);
      s.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, request_id VARCHAR(128), key_name VARCHAR(128), provider VARCHAR(128), model VARCHAR(256), prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT, cost DOUBLE, latency_ms BIGINT, ttft_ms BIGINT, status INT, cache_hit BOOLEAN, attempts VARCHAR(1024), estimated BOOLEAN, end_user VARCHAR(128))");
      s.execute("CREATE INDEX ledger_at ON ledger(at)");
    }
    return c;
  }
  static void bind(PreparedStatement p, int o, R r) throws SQLException {
    p.setLong(o+1, r.t + at); p.setString(o+2, r.id); p.setString(o+3, r.key); p.setString(o+4, r.prov); p.setString(o+5, r.model);
    p.setLong(o+6, r.p); p.setLong(o+7, r.c); p.setLong(o+8, r.ca); p.setDouble(o+9, r.cost); p.setLong(o+10, r.lat); p.setLong(o+11, r.ttft);
    p.setInt(o+12, r.st); p.setBoolean(o+13, r.hit); p.setString(o+14, r.att); p.setBoolean(o+15, r.est); p.setString(o+16, r.eu);
  }
  static String values(int n) { StringBuilder b = new StringBuilder("INSERT INTO ledger ("+COLS+") VALUES ");
    for (int i=0;i<n;i++){ if(i>0)b.append(','); b.append("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"); } return b.toString(); }
  static void single(Connection c, List<R> rows) throws Exception {
    c.setAutoCommit(false);
    try (PreparedStatement p = c.prepareStatement(values(1))) { for (R r: rows){ bind(p,0,r); p.addBatch(); } p.executeBatch(); }
    c.commit(); c.setAutoCommit(true);
  }
  /**
   * Added to every row's time, one second more per batch: the gateway's rows come in time order, so the index on
   * {@code at} grows at its end. (Repeating the same 800 times batch after batch, as this file first did, sent every
   * insert into the middle of that index and more than doubled the cost per row.)
   */
  static long at = 0;
  static Map<Integer,PreparedStatement> cache = new HashMap<>();
  static void multi(Connection c, List<R> rows, int k) throws Exception {
    c.setAutoCommit(false);
    int i=0;
    PreparedStatement p = cache.computeIfAbsent(k, n -> { try { return c.prepareStatement(values(n)); } catch (SQLException e) { throw new RuntimeException(e);} });
    for (; i + k <= rows.size(); i += k) { for (int j=0;j<k;j++) bind(p, j*16, rows.get(i+j)); p.executeUpdate(); }
    int rest = rows.size()-i;
    if (rest>0) { try (PreparedStatement q = c.prepareStatement(values(rest))) { for (int j=0;j<rest;j++) bind(q,j*16,rows.get(i+j)); q.executeUpdate(); } }
    c.commit(); c.setAutoCommit(true);
  }
  static void multiBatch(Connection c, List<R> rows, int k) throws Exception {
    c.setAutoCommit(false);
    int i=0;
    PreparedStatement p = cache.computeIfAbsent(k, n -> { try { return c.prepareStatement(values(n)); } catch (SQLException e) { throw new RuntimeException(e);} });
    for (; i + k <= rows.size(); i += k) { for (int j=0;j<k;j++) bind(p, j*16, rows.get(i+j)); p.addBatch(); }
    p.executeBatch();
    int rest = rows.size()-i;
    if (rest>0) { try (PreparedStatement q = c.prepareStatement(values(rest))) { for (int j=0;j<rest;j++) bind(q,j*16,rows.get(i+j)); q.executeUpdate(); } }
    c.commit(); c.setAutoCommit(true);
  }
  static void str(StringBuilder b, String s) { if (s==null){b.append("null");return;} b.append('"'); for (int i=0;i<s.length();i++){char ch=s.charAt(i); if(ch=='"'||ch=='\\'){b.append('\\').append(ch);} else if(ch<0x20){b.append(String.format("\\u%04x",(int)ch));} else b.append(ch);} b.append('"'); }
  static void json(Connection c, List<R> rows) throws Exception {
    StringBuilder b = new StringBuilder(rows.size()*200); b.append('[');
    for (R r: rows){ if(b.length()>1)b.append(','); b.append('[').append(r.t + at).append(','); str(b,r.id); b.append(','); str(b,r.key); b.append(','); str(b,r.prov); b.append(','); str(b,r.model);
      b.append(',').append(r.p).append(',').append(r.c).append(',').append(r.ca).append(',').append(r.cost).append(',').append(r.lat).append(',').append(r.ttft).append(',').append(r.st).append(',').append(r.hit?1:0).append(','); str(b,r.att); b.append(',').append(r.est?1:0).append(','); str(b,r.eu); b.append(']'); }
    b.append(']');
    c.setAutoCommit(false);
    PreparedStatement p = cache.computeIfAbsent(-1, n -> { try { return c.prepareStatement("INSERT INTO ledger ("+COLS+") SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15 FROM json_each(?)"); } catch (SQLException e) { throw new RuntimeException(e);} });
    p.setString(1, b.toString()); p.executeUpdate();
    c.commit(); c.setAutoCommit(true);
  }
  static void jrow(Connection c, List<R> rows, boolean jsonb) throws Exception {
    c.setAutoCommit(false);
    PreparedStatement p = cache.computeIfAbsent(jsonb ? -3 : -2, n -> { try { return c.prepareStatement("INSERT INTO ledger ("+COLS+") SELECT j->>0, j->>1, j->>2, j->>3, j->>4, j->>5, j->>6, j->>7, j->>8, j->>9, j->>10, j->>11, j->>12, j->>13, j->>14, j->>15 FROM (SELECT " + (jsonb ? "jsonb(?)" : "?") + " AS j)"); } catch (SQLException e) { throw new RuntimeException(e);} });
    StringBuilder b = new StringBuilder(256);
    for (R r: rows){ b.setLength(0); b.append('[').append(r.t + at).append(','); str(b,r.id); b.append(','); str(b,r.key); b.append(','); str(b,r.prov); b.append(','); str(b,r.model);
      b.append(',').append(r.p).append(',').append(r.c).append(',').append(r.ca).append(',').append(r.cost).append(',').append(r.lat).append(',').append(r.ttft).append(',').append(r.st).append(',').append(r.hit?1:0).append(','); str(b,r.att); b.append(',').append(r.est?1:0).append(','); str(b,r.eu); b.append(']');
      p.setString(1, b.toString()); p.addBatch(); }
    p.executeBatch();
    c.commit(); c.setAutoCommit(true);
  }
  public static void main(String[] a) throws Exception {
    List<R> rows = new ArrayList<>();
    for (int i=0;i<800;i++) rows.add(new R(1765000000000L+i, "req_0123456789abcdef"+i, "bench", "openai", "gpt-4o-mini-2024-07-18", 61, 54, 0, 0.0000415, 2, 2, 200, false, "openai:200", false, "bench-user-42"));
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    String[] modes = a.length>0? a : new String[]{"single","multi16","multi64","mb16","mb64"};
    for (String mode: modes) {
      Connection c = open(System.getProperty("java.io.tmpdir")+"/ledger-shapes-"+mode+".db"); cache.clear();
      double[] res = new double[15];
      for (int round=-10; round<15; round++) {
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int b=0;b<10;b++) {
          at += 1000;
          switch (mode) { case "single" -> single(c, rows); case "multi16" -> multi(c, rows, 16); case "multi64" -> multi(c, rows, 64);
            case "json" -> json(c, rows); case "jrow" -> jrow(c, rows, false); case "jbrow" -> jrow(c, rows, true); case "mb16" -> multiBatch(c, rows, 16); case "mb64" -> multiBatch(c, rows, 64); case "multi32" -> multi(c,rows,32); }
        }
        if (round>=0) res[round] = (cpu.getCurrentThreadCpuTime()-t0)/(10.0*rows.size());
      }
      Arrays.sort(res);
      System.out.printf("%-8s %.0f ns/row (min %.0f)%n", mode, res[7], res[0]);
      c.close();
    }
  }
}
