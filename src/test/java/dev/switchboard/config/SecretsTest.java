package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every secret of a configuration, found once and removed by value in each form it can be echoed in. */
class SecretsTest {

  @Test
  void everySecretOfTheConfigIsFound() {
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        auth:
          keys:
            - {name: app, key: client-key-aaaaaaaa}
          admin_key: admin-key-bbbbbbbb
        ratelimit: {backend: redis, redis: {url: "redis://:rl-pass-cccccccc@127.0.0.1:6379/0"}}
        cache: {redis: {url: "redis://user:cache-url-pass-dddd@127.0.0.1:6379", password: cache-pass-eeeeeeee}}
        providers:
          fw: {type: openai, base_url: "https://api.fireworks.test/v1", api_key: fw_3kQ9xZ2mLp7RtY5vBn1, models: [m],
               headers: {x-api-key: header-key-ffffffff, anthropic-beta: tools-2024-05-16}}
          other: {type: openai, base_url: "https://other.test/v1", api_key: "${OTHER_KEY}", models: [m]}
        """, Map.of("OTHER_KEY", "sk-or-gggggggg"));

    Secrets secrets = Secrets.of(config);

    String text = "client-key-aaaaaaaa admin-key-bbbbbbbb rl-pass-cccccccc cache-url-pass-dddd cache-pass-eeeeeeee "
        + "fw_3kQ9xZ2mLp7RtY5vBn1 header-key-ffffffff sk-or-gggggggg tools-2024-05-16";
    assertThat(secrets.scrub(text)).isEqualTo("[redacted] [redacted] [redacted] [redacted] [redacted] [redacted] "
        + "[redacted] [redacted] tools-2024-05-16");
  }

  @Test
  void rawJsonEscapedAndUrlEncodedFormsAreRemovedShortValuesAreNot() {
    Secrets secrets = Secrets.of(List.of("fw_Ab/Cd+Ef=Gh9 Ij0", "short", "fw_Ab/Cd+Ef=Gh9 Ij0-longer"));

    assertThat(secrets.scrub("a fw_Ab/Cd+Ef=Gh9 Ij0-longer b")).as("the longer secret whole").isEqualTo("a [redacted] b");
    assertThat(secrets.scrub("k=fw_Ab%2FCd%2BEf%3DGh9+Ij0&x")).isEqualTo("k=[redacted]&x");
    assertThat(secrets.scrub("k=fw_Ab%2FCd%2BEf%3DGh9%20Ij0&x")).isEqualTo("k=[redacted]&x");
    assertThat(secrets.scrub("{\"m\":\"fw_Ab\\/Cd+Ef=Gh9 Ij0\"}")).isEqualTo("{\"m\":\"[redacted]\"}");
    assertThat(secrets.scrub("a short word")).isEqualTo("a short word");
    assertThat(Secrets.of(List.of()).scrub("anything")).isEqualTo("anything");
  }
}
