package dev.switchboard.e2e.docs;

import dev.switchboard.testing.GatewayUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.switchboard.e2e.docs.ReadmeTest.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's SDK snippets, run as written (only the port changed) against a gateway started from the default
 * config, from a shell with no client key, no provider key and no base URL set: the newcomer's first run, where the
 * built-in local provider answers. Java always runs (openai-java is a test dependency); Node runs where
 * {@code node} is on the PATH and {@code .ci/run} installed the openai package into {@code target/readme-node};
 * Python where {@code python3} can import {@code openai}.
 */
class ReadmeSnippetsTest {
  /** What the local provider's placeholder answer says, streamed or not. */
  private static final String LOCAL_ANSWER = "Switchboard degraded mode";
  private static final Path NODE_DIR = ROOT.resolve("target/readme-node");

  private static Markdown readme;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void start(@TempDir Path data) throws IOException {
    readme = Markdown.read(ROOT.resolve("README.md"));
    gateway = GatewayUnderTest.start(Files.readString(ROOT.resolve("conf/switchboard.yaml")),
        Map.of("SWITCHBOARD_HOST", "127.0.0.1", "SWITCHBOARD_PORT", "0", "SWITCHBOARD_DATA_DIR", data.toString()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static String snippet(String language) {
    List<Markdown.Block> blocks = readme.blocks(language).stream()
        .filter(b -> b.section().equals("OpenAI SDKs")).toList();
    assertThat(blocks).as("one " + language + " snippet under OpenAI SDKs").hasSize(1);
    return blocks.get(0).text().replace("localhost:8080", "127.0.0.1:" + gateway.port());
  }

  @Test
  void javaSnippetCompilesAndRunsAsWritten(@TempDir Path dir) throws Exception {
    Path source = dir.resolve("Hello.java");
    Files.writeString(source, snippet("java"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    Run run = run(dir, java, "-cp", System.getProperty("java.class.path"), source.toString());

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains(LOCAL_ANSWER);
  }

  @Test
  void nodeSnippetRunsAsWrittenAsAnEsModule() throws Exception {
    assumeTrue(ReadmeTest.onPath("node"), "node is not installed: the Node snippet is not run");
    assumeTrue(Files.isDirectory(NODE_DIR.resolve("node_modules/openai")),
        "the openai package is not in target/readme-node (.ci/run installs it with npm): the Node snippet is not run");
    Path script = NODE_DIR.resolve("hello.mjs");
    Files.writeString(script, snippet("js"));

    Run run = run(NODE_DIR, "node", script.toString());

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains(LOCAL_ANSWER);
  }

  @Test
  void pythonSnippetRunsAsWritten(@TempDir Path dir) throws Exception {
    assumeTrue(ReadmeTest.onPath("python3") && run(dir, "python3", "-c", "import openai").exit() == 0,
        "python3 with the openai package is not installed: the Python snippet is not run");
    Path script = dir.resolve("hello.py");
    Files.writeString(script, snippet("python"));

    Run run = run(dir, "python3", script.toString());

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains(LOCAL_ANSWER);
  }

  private record Run(int exit, String output) {
  }

  /** Runs a command in the newcomer's environment (no keys, no base URL), output and errors together. */
  private static Run run(Path dir, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    ReadmeTest.withoutKeys(pb.environment());
    File out = dir.resolve("run-" + System.nanoTime() + ".log").toFile();
    pb.redirectOutput(out);
    Process p = pb.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Run(-1, "timed out: " + Files.readString(out.toPath(), StandardCharsets.UTF_8));
    }
    String output = Files.readString(out.toPath(), StandardCharsets.UTF_8);
    Files.delete(out.toPath());
    return new Run(p.exitValue(), output);
  }
}
