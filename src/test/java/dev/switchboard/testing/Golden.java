package dev.switchboard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares translated payloads with a golden file of expected OpenAI payloads (one per line, normalised with
 * {@link Fixtures#normalize}). A missing golden file fails the test and leaves the actual output under
 * {@code target/golden/} for review, never silently accepting it.
 */
public final class Golden {
  private Golden() {
  }

  public static void assertMatches(List<String> actualNormalized, String goldenPath) {
    if (Fixtures.class.getResource("/fixtures/" + goldenPath) == null) {
      Path out = Path.of("target", "golden", goldenPath);
      try {
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n", actualNormalized) + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new AssertionError("no golden file " + goldenPath + "; the actual output is in " + out + " for review");
    }
    assertThat(actualNormalized).containsExactlyElementsOf(Fixtures.lines(goldenPath));
  }
}
