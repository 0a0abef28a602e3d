package dev.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server for tests: started on a free loopback port with no persistence, stopped (and restartable on
 * the same port, to play an outage) by the test. {@link #find()} tells whether the machine has one; tests skip with
 * a clear message when it does not (CI installs it: .ci/run).
 */
public final class RedisProcess implements AutoCloseable {
  private final String binary;
  private final int port;
  private Process process;

  private RedisProcess(String binary, int port) {
    this.binary = binary;
    this.port = port;
  }

  /** The redis-server binary on the PATH (or in the usual places), if any. */
  public static Optional<String> find() {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
    return dirs.stream().map(d -> Path.of(d, "redis-server")).filter(Files::isExecutable).map(Path::toString)
        .findFirst();
  }

  public static RedisProcess start() {
    String binary = find().orElseThrow(() -> new IllegalStateException("redis-server not found"));
    RedisProcess redis = new RedisProcess(binary, LoopbackPort.free());
    redis.restart();
    return redis;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  public void restart() {
    try {
      process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + binary, e);
    }
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> "+PONG".equals(command("PING")));
  }

  /** Stops the server: the outage. */
  public void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as with a hung Redis. */
  public void pause() throws Exception {
    signal("-STOP");
  }

  public void resume() throws Exception {
    signal("-CONT");
  }

  private void signal(String sig) throws Exception {
    new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * Sends one inline command (arguments without spaces) and returns the first line of the answer, e.g. "+PONG",
   * ":42", "$-1"; for a bulk reply, the line after the length.
   */
  public String command(String... args) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write((String.join(" ", args) + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      String first = line(in);
      if (first.startsWith("$") && !first.equals("$-1")) {
        return line(in);
      }
      if (first.startsWith("*")) {
        StringBuilder all = new StringBuilder(first);
        int n = Integer.parseInt(first.substring(1));
        for (int i = 0; i < n; i++) {
          String head = line(in);
          all.append('\n').append(head.startsWith("$") ? line(in) : head);
        }
        return all.toString();
      }
      return first;
    }
  }

  /** The whole text of {@code INFO section}, e.g. "commandstats". */
  public String info(String section) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(("INFO " + section + "\r\n").getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      String head = line(in);
      return new String(in.readNBytes(Integer.parseInt(head.substring(1))), StandardCharsets.UTF_8);
    }
  }

  /** How many times Redis ran a Lua script (EVAL and EVALSHA) since it started or {@code CONFIG RESETSTAT}. */
  public long scriptCalls() throws IOException {
    long calls = 0;
    for (String line : info("commandstats").split("\r\n")) {
      if (line.startsWith("cmdstat_eval:") || line.startsWith("cmdstat_evalsha:")) {
        String c = line.substring(line.indexOf("calls=") + 6);
        calls += Long.parseLong(c.substring(0, c.indexOf(',')));
      }
    }
    return calls;
  }

  /** The raw bytes of a string value (GET), or null. */
  public byte[] get(String key) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(("GET " + key + "\r\n").getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      String head = line(in);
      if (head.equals("$-1")) {
        return null;
      }
      return in.readNBytes(Integer.parseInt(head.substring(1)));
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  @Override
  public void close() {
    stop();
  }
}
