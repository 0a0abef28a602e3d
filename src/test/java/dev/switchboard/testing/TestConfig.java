package dev.switchboard.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway configurations tests start from, built instead of pasted: {@link #oneProvider} (one OpenAI-compatible
 * fake, {@code up}, serving {@code gpt-real}), {@link #twoProviders} ({@code a} and {@code b}, both serving
 * {@code m}), client keys, model aliases and any other section, and {@link #redis} for the shared Redis backend.
 * {@link #yaml()} is the text {@link GatewayUnderTest#start(String)} takes; it leaves out what that fills in (a server
 * section on a free port, health probes off, the ledger in memory) unless a test sets it.
 */
public final class TestConfig {
  public static final String PROVIDER_KEY = "sk-provider-secret";

  private final List<String> keys = new ArrayList<>();
  private String adminKey;
  private final Map<String, String> sections = new LinkedHashMap<>();
  private final StringBuilder providers = new StringBuilder();
  private final StringBuilder models = new StringBuilder();

  private TestConfig() {
  }

  /** No provider yet. */
  public static TestConfig empty() {
    return new TestConfig();
  }

  /** Provider {@code up} on {@code fake} with key {@value #PROVIDER_KEY}, serving {@code models} (gpt-real if none). */
  public static TestConfig oneProvider(FakeProvider fake, String... models) {
    return empty().provider("up", fake, PROVIDER_KEY, models.length == 0 ? new String[] {"gpt-real"} : models);
  }

  /** Providers {@code a} (key sk-a) and {@code b} (key sk-b), both serving {@code m}, tried in that order. */
  public static TestConfig twoProviders(FakeProvider a, FakeProvider b) {
    return empty().provider("a", a, "sk-a", "m").provider("b", b, "sk-b", "m")
        .section("routing", "{strategy: priority, explore: 0}");
  }

  /** An OpenAI-compatible provider entry on {@code fake}; a model may be a flow map ({name: m, input_price: 2}). */
  public TestConfig provider(String id, FakeProvider fake, String apiKey, String... models) {
    providers.append(fake.providerYaml(id, apiKey, models));
    return this;
  }

  /** A provider entry written out: {@code fields} are its lines (e.g. "type: local"), or one flow map "{...}". */
  public TestConfig provider(String id, String... fields) {
    providers.append(entry(id, fields));
    return this;
  }

  /** A provider entry as {@link FakeProvider#providerYaml} writes it (any provider type). */
  public TestConfig providerEntry(String entry) {
    providers.append(entry);
    return this;
  }

  /** Further fields of the provider entry added last, e.g. "timeouts: {connect: 1s, ...}". */
  public TestConfig with(String... fields) {
    for (String field : fields) {
      providers.append("    ").append(field).append('\n');
    }
    return this;
  }

  /** A model alias over {@code targets}, each "provider/model". */
  public TestConfig model(String alias, String... targets) {
    models.append("  ").append(alias).append(":\n    targets:\n");
    for (String target : targets) {
      int slash = target.indexOf('/');
      models.append("      - {provider: ").append(target, 0, slash).append(", model: ")
          .append(target.substring(slash + 1)).append("}\n");
    }
    return this;
  }

  /** A client key under {@code auth.keys}; {@code fields} are further flow fields, e.g. "budget: {daily: 0.01}". */
  public TestConfig clientKey(String name, String key, String... fields) {
    keys.add("{name: " + name + ", key: " + key + (fields.length == 0 ? "" : ", " + String.join(", ", fields)) + "}");
    return this;
  }

  public TestConfig adminKey(String key) {
    adminKey = key;
    return this;
  }

  /**
   * A top-level section: {@code body} is a flow map ("{persist: false}") or the section's lines, unindented.
   * A section set twice keeps the last body.
   */
  public TestConfig section(String name, String body) {
    sections.put(name, body);
    return this;
  }

  /**
   * A server section on a free loopback port, one instance and a 5 s shutdown grace, with {@code lines} added or
   * replacing those (e.g. "max_body_size: 2kb", "instances: 2").
   */
  public TestConfig server(String... lines) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : List.of("host: 127.0.0.1", "port: 0", "instances: 1", "shutdown_grace: 5s", "drain_quiet: 0s")) {
      fields.put(line.substring(0, line.indexOf(':')), line);
    }
    for (String line : lines) {
      fields.put(line.substring(0, line.indexOf(':')).trim(), line);
    }
    return section("server", String.join("\n", fields.values()));
  }

  public TestConfig routing(String body) {
    return section("routing", body);
  }

  /** Rate limits (and with them key budgets) shared through {@code redis}. */
  public TestConfig redis(RedisProcess redis) {
    return section("ratelimit", "backend: redis\nredis: {url: \"" + redis.url() + "\"}");
  }

  /**
   * The ledger, created keys and reports on {@code pg} ({@code usage.store: postgres}); {@code spillDir} is this
   * instance's spill directory, {@code fields} further lines of {@code usage.postgres} (e.g. "max_queued_rows: 100").
   */
  public TestConfig postgres(PostgresProcess pg, java.nio.file.Path spillDir, String... fields) {
    // data_dir beside the spill directory: the uptime store keeps its file there even with the ledger on PostgreSQL,
    // and a test must not leave one in the working directory.
    StringBuilder body = new StringBuilder("store: postgres\nflush_interval: 50ms\ndata_dir: \"")
        .append(spillDir.resolveSibling(spillDir.getFileName() + "-data")).append("\"\npostgres:\n  url: \"")
        .append(pg.url()).append("\"\n  user: ").append(PostgresProcess.USER).append("\n  spill_dir: \"")
        .append(spillDir).append("\"\n");
    for (String f : fields) {
      body.append("  ").append(f).append('\n');
    }
    return section("usage", body.toString());
  }

  public String yaml() {
    StringBuilder y = new StringBuilder();
    if (!keys.isEmpty() || adminKey != null) {
      y.append("auth:\n");
      if (!keys.isEmpty()) {
        y.append("  keys:\n");
        keys.forEach(k -> y.append("    - ").append(k).append('\n'));
      }
      if (adminKey != null) {
        y.append("  admin_key: \"").append(adminKey).append("\"\n");
      }
    }
    sections.forEach((name, body) -> y.append(name).append(':')
        .append(body.startsWith("{") ? " " + body + "\n" : "\n" + body.stripTrailing().indent(2)));
    if (!providers.isEmpty()) {
      y.append("providers:\n").append(providers);
    }
    if (!models.isEmpty()) {
      y.append("models:\n").append(models);
    }
    return y.toString();
  }

  public GatewayUnderTest start() {
    return GatewayUnderTest.start(yaml());
  }

  /** Starts a gateway on {@code clocks} (tests move a fake clock). */
  public GatewayUnderTest start(dev.switchboard.config.Clocks clocks) {
    return GatewayUnderTest.start(yaml(), clocks);
  }

  @Override
  public String toString() {
    return yaml();
  }

  private static String entry(String id, String... fields) {
    if (fields.length == 1 && fields[0].startsWith("{")) {
      return "  " + id + ": " + fields[0] + "\n";
    }
    StringBuilder sb = new StringBuilder("  ").append(id).append(":\n");
    for (String field : fields) {
      sb.append("    ").append(field).append('\n');
    }
    return sb.toString();
  }
}
