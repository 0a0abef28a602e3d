package dev.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real PostgreSQL for tests: {@code initdb} into a temp directory, {@code postgres} on a free loopback port (trust
 * authentication, user {@value #USER}, no fsync), stopped (and restartable on the same port and data, to play an
 * outage) by the test. Debian keeps the binaries in /usr/lib/postgresql/NN/bin, off the PATH: both are searched.
 * initdb and postgres refuse to run as root, so as root (CI containers) they run as the {@code postgres} user (made
 * by Debian's package) or {@code nobody} through {@code setpriv}, in a directory that user owns.
 * {@link #find()} tells whether the machine has them; tests skip with a clear message when it does not.
 */
public final class PostgresProcess implements AutoCloseable {
  public static final String USER = "switchboard";
  public static final String DATABASE = "postgres";

  private final Path bin;
  private final Path dir;
  private final int port;
  private final List<String> asUser;
  private Process process;

  private PostgresProcess(Path bin, Path dir, int port, List<String> asUser) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asUser = asUser;
  }

  /** The directory holding initdb and postgres (PATH first, then Debian's versioned directories), if any. */
  public static Optional<Path> find() {
    List<Path> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        dirs.add(Path.of(d));
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions.sorted(Comparator.reverseOrder()).forEach(v -> dirs.add(v.resolve("bin")));
      } catch (IOException ignored) {
        // no versioned directories
      }
    }
    for (Path d : dirs) {
      Path initdb = d.resolve("initdb");
      if (Files.isExecutable(initdb) && Files.isExecutable(d.resolve("postgres"))) {
        try {
          // A symlink on the PATH (/usr/local/bin/initdb) must lead to the directory that also has postgres.
          return Optional.of(initdb.toRealPath().getParent());
        } catch (IOException e) {
          return Optional.of(d);
        }
      }
    }
    return Optional.empty();
  }

  public static PostgresProcess start() {
    Path bin = find().orElseThrow(() -> new IllegalStateException("PostgreSQL (initdb, postgres) not found"));
    try {
      Path dir = Files.createTempDirectory("switchboard-pg-");
      List<String> asUser = List.of();
      if ("root".equals(System.getProperty("user.name"))) {
        String user = userExists("postgres") ? "postgres" : "nobody";
        run(List.of("chown", "-R", user, dir.toString()));
        asUser = List.of("setpriv", "--reuid=" + user, "--regid=" + groupOf(user), "--clear-groups", "--");
      }
      PostgresProcess pg = new PostgresProcess(bin, dir, LoopbackPort.free(), asUser);
      List<String> initdb = new ArrayList<>(asUser);
      initdb.addAll(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
          "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"));
      run(initdb);
      pg.restart();
      return pg;
    } catch (IOException e) {
      throw new IllegalStateException("could not prepare PostgreSQL", e);
    }
  }

  private static boolean userExists(String user) {
    try {
      return new ProcessBuilder("id", "-u", user).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String groupOf(String user) throws IOException {
    Process p = new ProcessBuilder("id", "-g", user).start();
    return new String(p.getInputStream().readAllBytes()).trim();
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  /** The URL the gateway's {@code usage.postgres.url} takes. */
  public String url() {
    return "postgres://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** Starts the server (again) on its port and data, and waits until it accepts connections. */
  public void restart() {
    List<String> command = new ArrayList<>(asUser);
    command.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(),
        "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", "", "-c", "fsync=off", "-c", "max_connections=200",
        "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("postgres.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start postgres", e);
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
        .until(() -> run(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)) == 0);
  }

  private static int run(String... command) throws IOException, InterruptedException {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start().waitFor();
  }

  /** Stops the server with a fast shutdown (SIGINT: open sessions are ended, not waited for): the outage. */
  public void stop() {
    if (process == null) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
    process = null;
    // Nothing may answer on the port before the test restarts it.
    await().atMost(Duration.ofSeconds(10)).until(() -> !answers());
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs SQL through psql and returns its unaligned, tuples-only output (trimmed). */
  public String sql(String statement) {
    return sql(DATABASE, statement);
  }

  /** {@link #sql(String)} in another database of this server. */
  public String sql(String database, String statement) {
    try {
      Process p = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
          "-U", USER, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", statement).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("psql failed on " + statement + ":\n" + out);
      }
      return out;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh database on this server, for a test that must not see another's tables. */
  public String newDatabase(String name) {
    sql("CREATE DATABASE " + name);
    return "postgres://127.0.0.1:" + port + "/" + name;
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind
    }
  }
}
