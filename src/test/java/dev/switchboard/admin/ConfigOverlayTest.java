package dev.switchboard.admin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The overlay's merge, removal markers and sources, and what GET /admin/config may show of a config tree. */
class ConfigOverlayTest {
  private final JsonObject file = new JsonObject("""
      {"server": {"port": 8080},
       "providers": {"openai": {"type": "openai", "api_key": "${OPENAI_API_KEY}"},
                     "local": {"type": "local"}},
       "models": {"chat": {"targets": [{"provider": "openai", "model": "gpt-4o"}]}}}""");

  @Test
  void anOverlayEntryReplacesTheFilesWholeAndANullRemovesIt() {
    JsonObject overlay = ConfigOverlay.put(new JsonObject(), "providers", "openai",
        new JsonObject().put("type", "openai").put("weight", 3));
    overlay = ConfigOverlay.remove(overlay, file, "models", "chat");
    overlay = ConfigOverlay.put(overlay, "models", "fast", new JsonObject().put("targets", new io.vertx.core.json.JsonArray()));
    overlay = ConfigOverlay.remove(overlay, file, "models", "fast");

    JsonObject merged = ConfigOverlay.merge(file, overlay);

    assertThat(merged.getJsonObject("providers").getJsonObject("openai").encode())
        .isEqualTo("{\"type\":\"openai\",\"weight\":3}");
    assertThat(merged.getJsonObject("providers").containsKey("local")).isTrue();
    assertThat(merged.getJsonObject("models").isEmpty()).isTrue();
    assertThat(overlay.getJsonObject("models").encode()).as("a removal of the file's entry is a marker; of the "
        + "overlay's own entry, nothing").isEqualTo("{\"chat\":null}");
    assertThat(file.getJsonObject("providers").getJsonObject("openai").containsKey("weight"))
        .as("the file's tree is not touched").isFalse();
  }

  @Test
  void sourcesNameTheFileTheOverlayAndTheEnvironment() {
    JsonObject overlay = ConfigOverlay.put(new JsonObject(), "providers", "extra",
        new JsonObject().put("type", "openai").put("api_key", "${EXTRA_KEY:-none}"));

    var sources = ConfigOverlay.sources(file, overlay, ConfigOverlay.merge(file, overlay));

    assertThat(sources).containsEntry("providers.openai", "file").containsEntry("providers.extra", "overlay")
        .containsEntry("models.chat", "file").containsEntry("providers.openai.api_key", "env:OPENAI_API_KEY")
        .containsEntry("providers.extra.api_key", "env:EXTRA_KEY");
  }

  @Test
  void redactionHidesCredentialsButShowsVariableNames() {
    JsonObject tree = new JsonObject("""
        {"auth": {"admin_key": "admin-secret-1234", "keys": ["plain-client-key", {"name": "a", "key": "k-12345678"}]},
         "providers": {"o": {"api_key": "${OPENAI_API_KEY}", "headers": {"Authorization": "Bearer xyz-12345678"}},
                       "p": {"api_key": "${P_KEY:-fallback-secret}"}},
         "ratelimit": {"redis": {"url": "redis://user:pa55word@host:6379"}}}""");

    String shown = ConfigRedaction.redact(tree).encode();

    assertThat(shown).doesNotContain("admin-secret-1234").doesNotContain("plain-client-key")
        .doesNotContain("k-12345678").doesNotContain("xyz-12345678").doesNotContain("fallback-secret")
        .doesNotContain("pa55word").contains("${OPENAI_API_KEY}").contains("\"name\":\"a\"");
  }
}
