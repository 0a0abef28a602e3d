package dev.switchboard.e2e.docs;

import dev.switchboard.Switchboard;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.demo.Demo;
import dev.switchboard.testing.GatewayUnderTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keeps README.md true: its links lead somewhere in the repository, its tables render, its configuration reference
 * names only keys the loader accepts (and the loader reads no key it leaves out), and the curl examples marked
 * {@code <!-- readme-test: default|demo STATUS -->} get that status from a gateway started the documented way.
 */
class ReadmeTest {
  static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Pattern SEPARATOR = Pattern.compile("^\\|\\s*:?-+:?\\s*\\|.*");
  /** Field names handed to ConfigNode's readers in the config package: the keys the loader knows. */
  private static final Pattern FIELD_READ = Pattern.compile(
      "\\.(?:has|rawUninterpolated|string|requiredString|bool|integer|decimal|size|duration|object|namedObjects|list"
          + "|stringList|stringMap)\\(\"([a-z_]+)\"");

  /** A repository path in inline code, such as `bench/FakeUpstream.java` or `../x/DESIGN.md` (not built files). */
  private static final Pattern FILE_REFERENCE = Pattern.compile("(\\.\\.?/)*[\\w.-]+(/[\\w.-]+)+\\.(md|java|yaml|yml|sh|lua|png)");

  private static Markdown readme;

  @BeforeAll
  static void read() throws IOException {
    readme = Markdown.read(ROOT.resolve("README.md"));
  }

  private static List<Markdown> documents() throws IOException {
    List<Markdown> docs = new ArrayList<>(List.of(readme));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
        docs.add(Markdown.read(p));
      }
    }
    docs.add(Markdown.read(ROOT.resolve("bench/README.md")));
    return docs;
  }

  @Test
  void everyRelativeLinkResolvesToAFileInTheRepository() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Markdown doc : documents()) {
      for (Markdown.Line link : doc.links()) {
        String target = link.text();
        if (target.matches("^(https?|mailto):.*")) {
          continue;
        }
        int hash = target.indexOf('#');
        String path = hash >= 0 ? target.substring(0, hash) : target;
        String anchor = hash >= 0 ? target.substring(hash + 1) : null;
        String where = ROOT.relativize(doc.file) + ":" + link.number() + " -> " + target;
        Path resolved = path.isEmpty() ? doc.file : doc.file.getParent().resolve(path).normalize();
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          broken.add(where + " (no such file in the repository)");
        } else if (anchor != null && resolved.toString().endsWith(".md")
            && !Markdown.read(resolved).anchors.contains(anchor)) {
          broken.add(where + " (no such heading)");
        }
      }
    }
    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  @Test
  void everyFileNamedInInlineCodeIsInTheRepository() throws IOException {
    List<String> missing = new ArrayList<>();
    for (Markdown doc : documents()) {
      for (Markdown.Line span : doc.codeSpans()) {
        String name = span.text();
        if (!FILE_REFERENCE.matcher(name).matches()) {
          continue;
        }
        Path resolved = (name.startsWith(".") ? doc.file.getParent() : ROOT).resolve(name).normalize();
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          missing.add(ROOT.relativize(doc.file) + ":" + span.number() + ": `" + name + "`");
        }
      }
    }
    assertThat(missing).as("source files the docs name that are not in the repository").isEmpty();
  }

  @Test
  void everyTableIsContiguous() throws IOException {
    List<String> orphans = new ArrayList<>();
    for (Markdown doc : documents()) {
      Set<Integer> inTable = new HashSet<>();
      List<Markdown.Line> lines = doc.prose;
      for (int i = 1; i < lines.size(); i++) {
        if (!SEPARATOR.matcher(lines.get(i).text()).matches()) {
          continue;
        }
        inTable.add(lines.get(i - 1).number());
        for (int j = i; j < lines.size() && lines.get(j).text().startsWith("|")
            && lines.get(j).number() == lines.get(i).number() + (j - i); j++) {
          inTable.add(lines.get(j).number());
        }
      }
      for (Markdown.Line line : lines) {
        if (line.text().startsWith("|") && !inTable.contains(line.number())) {
          orphans.add(ROOT.relativize(doc.file) + ":" + line.number() + ": " + line.text());
        }
      }
    }
    assertThat(orphans).as("table rows cut off from their table (a blank line ends a table)").isEmpty();
  }

  @Test
  void everyConfigKeyInTheReferenceIsOneTheLoaderKnows() {
    List<String> unknown = new ArrayList<>();
    for (Markdown.Block block : readme.blocks("yaml")) {
      try {
        ConfigLoader.fromYaml(block.text(), anyEnvironment());
      } catch (ConfigException e) {
        e.problems().stream()
            .filter(p -> p.contains("unknown field") || p.contains("not valid YAML"))
            .forEach(p -> unknown.add("README.md:" + block.line() + ": " + p));
      }
    }
    assertThat(unknown).as("keys in the README's YAML that the loader refuses").isEmpty();
  }

  @Test
  void everyFieldTheLoaderReadsIsDocumented() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> sources = Files.list(ROOT.resolve("src/main/java/dev/switchboard/config"))) {
      for (Path source : sources.toList()) {
        Matcher m = FIELD_READ.matcher(Files.readString(source));
        while (m.find()) {
          read.add(m.group(1));
        }
      }
    }
    Set<String> documented = new HashSet<>();
    for (Markdown.Block block : readme.blocks("yaml")) {
      keyPaths(load(block.text()), "", documented);
    }
    Set<String> documentedNames = new HashSet<>();
    documented.forEach(path -> documentedNames.add(path.substring(path.lastIndexOf('.') + 1).replace("[]", "")));

    read.removeAll(documentedNames);
    assertThat(read).as("fields the config loader reads that no YAML block of the README shows").isEmpty();
  }

  @Test
  void everyKeyOfTheDefaultConfigIsDocumented() throws IOException {
    Set<String> documented = new HashSet<>();
    for (Markdown.Block block : readme.blocks("yaml")) {
      keyPaths(load(block.text()), "", documented);
    }
    Set<String> shipped = new TreeSet<>();
    keyPaths(load(Files.readString(ROOT.resolve("conf/switchboard.yaml"))), "", shipped);

    shipped.removeAll(documented);
    assertThat(shipped).as("keys in conf/switchboard.yaml missing from the README's configuration reference").isEmpty();
  }

  @Test
  void markedCurlExamplesGetTheirDocumentedStatus(@TempDir Path data) throws Exception {
    assumeTrue(onPath("curl") && onPath("bash"), "curl and bash are needed to run the README's curl examples");
    List<Markdown.Block> marked = readme.blocks.stream().filter(b -> b.marker() != null).toList();
    assertThat(marked).as("marked examples").isNotEmpty();
    assertThat(marked).allSatisfy(b -> assertThat(b.marker()).matches("(default|demo) \\d{3}"));

    Map<String, String> env = new HashMap<>(Map.of("SWITCHBOARD_HOST", "127.0.0.1", "SWITCHBOARD_PORT", "0",
        "SWITCHBOARD_DATA_DIR", data.toString()));
    Demo<Switchboard> demo = null;
    try (GatewayUnderTest gateway = GatewayUnderTest.start(Files.readString(ROOT.resolve("conf/switchboard.yaml")),
        env)) {
      List<String> wrong = new ArrayList<>();
      for (Markdown.Block block : marked) {
        String[] marker = block.marker().split(" ");
        int port;
        if (marker[0].equals("default")) {
          port = gateway.port();
        } else {
          if (demo == null) {
            demo = Demo.start(0, Demo.defaultBehaviours(), 0, Switchboard::start).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
          }
          port = demo.gateway().port();
        }
        String status = runCurl(block.text(), port);
        if (!status.equals(marker[1])) {
          wrong.add("README.md:" + block.line() + " (" + block.marker() + "): got " + status + "\n" + block.text());
        }
      }
      assertThat(wrong).as("curl examples that do not get their documented status").isEmpty();
    } finally {
      if (demo != null) {
        demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Runs a README curl block as written, pointed at {@code port}, in a shell without any key; answers the status. */
  private static String runCurl(String script, int port) throws Exception {
    String command = script.strip().replace("localhost:8080", "127.0.0.1:" + port)
        .replace("127.0.0.1:8080", "127.0.0.1:" + port)
        + " -s -o /dev/null -w '%{http_code}' --max-time 20";
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true);
    withoutKeys(pb.environment());
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "timeout";
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  /** The environment of a newcomer's shell: no client key, no provider key, no base URL override. */
  static void withoutKeys(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("SWITCHBOARD_") || k.startsWith("OPENAI_") || k.endsWith("_API_KEY"));
  }

  static boolean onPath(String binary) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, binary)));
  }

  /** An environment in which every variable is set, so interpolation never hides the keys around it. */
  private static Map<String, String> anyEnvironment() {
    return new HashMap<>() {
      @Override
      public String get(Object key) {
        return "placeholder-value";
      }
    };
  }

  private static Object load(String yaml) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
  }

  /**
   * Collects every key path, with names the user chooses (provider ids, aliases, model names in limits, header
   * and deployment maps) written as {@code *} and list items as {@code []}.
   */
  @SuppressWarnings("unchecked")
  static void keyPaths(Object node, String path, Set<String> out) {
    if (node instanceof Map<?, ?> map) {
      if (path.endsWith("headers") || path.endsWith("deployments")) {
        return;
      }
      boolean named = path.equals("providers") || path.equals("models") || path.endsWith("limits.models");
      for (Map.Entry<?, ?> e : ((Map<Object, Object>) map).entrySet()) {
        String key = named ? "*" : String.valueOf(e.getKey());
        String child = path.isEmpty() ? key : path + "." + key;
        out.add(child);
        keyPaths(e.getValue(), child, out);
      }
    } else if (node instanceof List<?> list) {
      for (Object item : list) {
        keyPaths(item, path + "[]", out);
      }
    }
  }
}
