package dev.switchboard;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/ (compose file, Kubernetes manifests) and the Dockerfile hang together: valid YAML, one config that loads,
 * and names, images, ports and paths that agree across files. No docker here: the files are read, not run.
 */
@SuppressWarnings("unchecked")
class DeployFilesTest {
  private static final Path DEPLOY = Path.of("deploy");
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?}");

  private static Map<String, Object> yaml(Path file) throws Exception {
    return new Yaml().load(Files.readString(file));
  }

  private static Map<String, Object> map(Map<String, Object> m, String... path) {
    Map<String, Object> at = m;
    for (String key : path) {
      at = (Map<String, Object>) at.get(key);
      assertThat(at).as(String.join(".", path)).isNotNull();
    }
    return at;
  }

  /** The gateway's config as an instance started with {@code env} reads it. */
  private static SwitchboardConfig config(Map<String, String> env) throws Exception {
    return ConfigLoader.fromYaml(Files.readString(DEPLOY.resolve("switchboard.yaml")), env);
  }

  /** Compose's ${VAR:-default} and ${VAR:?message} as docker compose would fill them with no such variable set. */
  private static String composeValue(Object raw, Map<String, String> given) {
    String s = String.valueOf(raw);
    Matcher m = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)(:[-?])?([^}]*)}").matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = given.getOrDefault(m.group(1), ":-".equals(m.group(2)) ? m.group(3) : "");
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  @Test
  void composeRunsTwoReplicasBehindTheBalancerOnSharedRedisAndPostgres() throws Exception {
    Map<String, Object> services = map(yaml(DEPLOY.resolve("compose.yaml")), "services");
    assertThat(services).containsKeys("lb", "gateway", "redis", "postgres");
    Map<String, Object> gateway = map(services, "gateway");
    assertThat(map(gateway, "deploy").get("replicas")).isEqualTo(2);

    Map<String, String> env = new HashMap<>();
    map(gateway, "environment").forEach((k, v) -> env.put(k, composeValue(v, Map.of("SWITCHBOARD_API_KEY",
        "sk-compose-key"))));
    SwitchboardConfig config = config(env);
    assertThat(config.usage().postgresStore()).isTrue();
    assertThat(config.ratelimit().redis()).isTrue();

    // The load balancer sends to the gateway service on the port the gateway listens on.
    String nginx = Files.readString(DEPLOY.resolve("nginx.conf"));
    int port = config.server().port();
    assertThat(nginx).contains("server gateway:" + port);
    assertThat((List<Object>) gateway.get("expose")).contains(String.valueOf(port));
    assertThat((List<String>) map(services, "lb").get("volumes")).contains("./nginx.conf:/etc/nginx/nginx.conf:ro");

    // PostgreSQL and Redis: the URLs name the services and the ports they expose; the database and role exist.
    URI pg = URI.create(config.usage().postgres().url());
    Map<String, Object> postgres = map(services, "postgres");
    assertThat(pg.getHost()).isEqualTo("postgres");
    assertThat((List<Object>) postgres.get("expose")).contains(String.valueOf(pg.getPort()));
    assertThat((String) postgres.get("image")).matches("postgres:1[5-9].*");
    assertThat(map(postgres, "environment")).containsEntry("POSTGRES_DB", pg.getPath().substring(1))
        .containsEntry("POSTGRES_USER", config.usage().postgres().user());
    assertThat(composeValue(map(postgres, "environment").get("POSTGRES_PASSWORD"), Map.of()))
        .isEqualTo(config.usage().postgres().password().reveal());
    URI redis = URI.create(config.ratelimit().redisUrl());
    assertThat(redis.getHost()).isEqualTo("redis");
    assertThat((List<Object>) map(services, "redis").get("expose")).contains(String.valueOf(redis.getPort()));

    // The config the gateway is told to read is the one mounted there.
    assertThat((List<String>) gateway.get("volumes")).contains("./switchboard.yaml:" + env.get("SWITCHBOARD_CONFIG")
        + ":ro");
    assertThat(map(gateway, "build").get("dockerfile")).isEqualTo("Dockerfile");
    assertThat(Files.exists(DEPLOY.resolve((String) map(gateway, "build").get("context")).resolve("Dockerfile")))
        .isTrue();
  }

  @Test
  void kubernetesManifestsAgreeWithEachOtherAndTheImage() throws Exception {
    Map<String, Map<String, Object>> byKind = new HashMap<>();
    List<String> resources = (List<String>) yaml(DEPLOY.resolve("k8s/kustomization.yaml")).get("resources");
    for (String file : resources) {
      for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve("k8s").resolve(file)))) {
        Map<String, Object> d = (Map<String, Object>) doc;
        byKind.put((String) d.get("kind"), d);
      }
    }
    assertThat(byKind).containsKeys("Deployment", "Service", "ConfigMap", "Secret");
    Map<String, Object> deployment = byKind.get("Deployment");
    Map<String, Object> pod = map(deployment, "spec", "template", "spec");
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);

    // The ConfigMap holds deploy/switchboard.yaml itself, mounted where SWITCHBOARD_CONFIG points.
    String configText = (String) map(byKind.get("ConfigMap"), "data").get("switchboard.yaml");
    assertThat(configText).isEqualTo(Files.readString(DEPLOY.resolve("switchboard.yaml")));
    Map<String, String> env = new HashMap<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      env.put((String) e.get("name"), String.valueOf(e.get("value")));
    }
    Map<String, Object> secret = byKind.get("Secret");
    ((Map<String, Object>) secret.get("stringData")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    SwitchboardConfig config = config(env);
    Map<String, Object> configVolume = ((List<Map<String, Object>>) pod.get("volumes")).stream()
        .filter(v -> v.containsKey("configMap")).findFirst().orElseThrow();
    assertThat(map(configVolume, "configMap").get("name")).isEqualTo(map(byKind.get("ConfigMap"), "metadata")
        .get("name"));
    String mountPath = ((List<Map<String, Object>>) container.get("volumeMounts")).stream()
        .filter(m -> m.get("name").equals(configVolume.get("name"))).findFirst().orElseThrow().get("mountPath")
        .toString();
    assertThat(env.get("SWITCHBOARD_CONFIG")).isEqualTo(mountPath + "/switchboard.yaml");

    // Every variable the config needs without a default comes from the Secret the pod reads.
    Matcher m = ENV_REF.matcher(configText);
    while (m.find()) {
      if (m.group(2) == null) {
        assertThat(secret.get("stringData")).as(m.group(1)).asInstanceOf(
            org.assertj.core.api.InstanceOfAssertFactories.MAP).containsKey(m.group(1));
      }
    }
    assertThat(((List<Map<String, Object>>) container.get("envFrom")).get(0)).isEqualTo(
        Map.of("secretRef", Map.of("name", map(secret, "metadata").get("name"))));

    // Probes, port and Service line up with what the gateway serves.
    Map<String, Object> port = ((List<Map<String, Object>>) container.get("ports")).get(0);
    assertThat(port.get("containerPort")).isEqualTo(config.server().port());
    assertThat(map(container, "readinessProbe", "httpGet")).containsEntry("path", "/ready")
        .containsEntry("port", port.get("name"));
    assertThat(map(container, "livenessProbe", "httpGet")).containsEntry("path", "/health")
        .containsEntry("port", port.get("name"));
    assertThat(map(container, "lifecycle", "preStop")).isNotEmpty();
    assertThat((Integer) pod.get("terminationGracePeriodSeconds"))
        .isGreaterThan((int) (config.server().drainDelay().toSeconds() + config.server().shutdownGrace().toSeconds()));
    Map<String, Object> servicePort = ((List<Map<String, Object>>) map(byKind.get("Service"), "spec").get("ports"))
        .get(0);
    assertThat(servicePort.get("targetPort")).isEqualTo(port.get("name"));
    assertThat(map(byKind.get("Service"), "spec", "selector")).isEqualTo(map(deployment, "spec", "template",
        "metadata", "labels"));
    assertThat(map(container, "resources", "requests")).containsKeys("cpu", "memory");

    // The image the compose file builds, run as the Dockerfile's non-root user.
    Map<String, Object> gateway = map(yaml(DEPLOY.resolve("compose.yaml")), "services", "gateway");
    assertThat(container.get("image")).isEqualTo(gateway.get("image"));
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    assertThat(dockerfile).contains("--uid " + map(pod, "securityContext").get("runAsUser"));
  }

  @Test
  void theImagePassesItsArgumentsToTheJarAndRunsAsNonRoot() throws Exception {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String entrypoint = dockerfile.lines().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
    assertThat(entrypoint).contains("-jar /app/switchboard.jar \\\"$@\\\"").doesNotContain(" -c ");
    assertThat(dockerfile.lines().filter(l -> l.startsWith("USER ")).toList()).containsExactly("USER switchboard");
  }
}
