package dev.switchboard.metrics;

import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard under deploy/grafana/ asks only for metrics the gateway exports: a gateway serves traffic that
 * touches every panel (a failover, a cache hit, a budget, rate limits), its /metrics is scraped, and every metric
 * name in every panel's PromQL must be among the scraped series.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("deploy/grafana/switchboard-dashboard.json");
  /** A metric name in PromQL: an identifier not followed by '(' (a function) and not a label name or keyword. */
  private static final Pattern NAME = Pattern.compile("(?<![\\w{,=\"])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w(])");
  private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "and", "or", "unless", "offset", "bool", "le", "sum", "avg", "min", "max", "count", "stddev",
      "stdvar", "topk", "bottomk", "quantile", "count_values", "group", "inf", "nan");

  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider a = closer.register(new FakeProvider());
  private final FakeProvider b = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  @Test
  void everyDashboardQueryNamesAMetricTheGatewayExports() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "down");
    b.chatJson("from b");
    String priced = "models: [{name: m, input_price: 2, output_price: 10}]";
    gateway = closer.register(TestConfig.empty()
        .clientKey("team", "sk-team-key-1", "budget: {daily: 5}", "limits: {rpm: 1000}")
        .routing("{strategy: priority, explore: 0, retry: {per_provider: 0}}")
        .section("cache", "{mode: all}")
        .provider("a", "{base_url: \"" + a.baseUrl() + "\", api_key: sk-a, " + priced + "}")
        .provider("b", "{base_url: \"" + b.baseUrl() + "\", api_key: sk-b, " + priced + ", budget: {daily: 10}}")
        .start());
    for (int i = 0; i < 2; i++) {
      // The first is a failover (a:503, b:200), the second a cache hit.
      assertThat(gateway.chat(Requests.chat("m", "hi"), "Authorization", "Bearer sk-team-key-1").statusCode())
          .isEqualTo(200);
    }
    assertThat(gateway.chat(Requests.chat("unknown-model", "hi"), "Authorization", "Bearer sk-team-key-1")
        .statusCode()).isEqualTo(404);
    Set<String> exported = exported(gateway.get("/metrics").body());

    List<String> queries = queries(new JsonObject(Files.readString(DASHBOARD)));
    assertThat(queries).as("the dashboard has panels with queries").hasSizeGreaterThan(10);
    Set<String> named = new TreeSet<>();
    for (String q : queries) {
      Set<String> names = metricNames(q);
      assertThat(names).as("a query naming no metric: %s", q).isNotEmpty();
      named.addAll(names);
    }
    assertThat(exported).as("metrics the dashboard uses, exported after the traffic").containsAll(named);
  }

  @Test
  void theQueryReaderFindsMetricNamesOnly() {
    assertThat(metricNames("histogram_quantile(0.99, sum by (le, provider) "
        + "(rate(switchboard_request_duration_seconds_bucket{provider=~\"$provider\"}[$__rate_interval])))"))
        .containsExactly("switchboard_request_duration_seconds_bucket");
    assertThat(metricNames("sum(rate(a_total{result=\"hit\"}[5m])) / clamp_min(sum(rate(b_total[5m])), 1)"))
        .containsExactly("a_total", "b_total");
  }

  /** Every series name in a Prometheus text exposition (with _bucket/_sum/_count and _total as they appear). */
  static Set<String> exported(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }

  /** The PromQL of every target of every panel, rows' nested panels included. */
  static List<String> queries(JsonObject dashboard) {
    List<String> out = new ArrayList<>();
    collect(dashboard.getJsonArray("panels", new JsonArray()), out);
    return out;
  }

  private static void collect(JsonArray panels, List<String> out) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        String expr = ((JsonObject) t).getString("expr");
        if (expr != null) {
          out.add(expr);
        }
      }
      collect(panel.getJsonArray("panels", new JsonArray()), out);
    }
  }

  /** The metric names in a PromQL expression: label matchers, strings, durations and keywords taken out. */
  static Set<String> metricNames(String promql) {
    String stripped = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", "{}")
        .replaceAll("\\[[^]]*]", "[]")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(stripped);
    while (m.find()) {
      String word = m.group(1);
      if (!PROMQL_WORDS.contains(word) && !word.matches("\\d.*") && !word.startsWith("$")) {
        names.add(word);
      }
    }
    return names;
  }
}
