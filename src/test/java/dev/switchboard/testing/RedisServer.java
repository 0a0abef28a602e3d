package dev.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server of this test's own, on a free loopback port, without persistence. Never one someone left
 * running. {@link #available()} tells whether the binary is installed (.ci/run installs it).
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port) throws IOException {
    this.port = port;
    this.dir = Files.createTempDirectory("redis-test");
  }

  public static boolean available() {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(p, "redis-server"))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/bin/redis-server"));
  }

  public static RedisServer start() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisServer r = new RedisServer(port);
    r.startProcess();
    return r;
  }

  /** Starts (again) on the same port. */
  public void startProcess() throws IOException {
    process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
  }

  /** Stops the server (as an outage would). */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor();
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
