package dev.switchboard.server.responses;

import dev.switchboard.testing.Fixtures;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** One JSON document compared with a pretty-printed golden file; a missing one is written under target/golden. */
final class GoldenJson {
  private GoldenJson() {
  }

  static void assertMatches(JsonObject actual, String goldenPath) {
    if (Fixtures.class.getResource("/fixtures/" + goldenPath) == null) {
      Path out = Path.of("target", "golden", goldenPath);
      try {
        Files.createDirectories(out.getParent());
        Files.writeString(out, actual.encodePrettily() + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new AssertionError("no golden file " + goldenPath + "; the actual output is in " + out + " for review");
    }
    assertThat(actual).isEqualTo(new JsonObject(Fixtures.text(goldenPath)));
  }
}
