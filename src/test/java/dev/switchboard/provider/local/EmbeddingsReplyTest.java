package dev.switchboard.provider.local;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The size bound is what the local provider refuses and reserves by, so it must never be below the real size. */
class EmbeddingsReplyTest {

  private static List<String> inputs(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("input \"" + i + "\" \u00e9\u4e2d");
    }
    return out;
  }

  @Test
  void theBoundIsNeverBelowTheBuiltReplyAndTheReplyIsValidJson() {
    for (int dims : new int[] {1, 2, 3, 7, 64, 1536, 3072}) {
      for (boolean base64 : new boolean[] {false, true}) {
        EmbeddingsReply plan = new EmbeddingsReply("m\u00e9\"del\n", inputs(5), dims, base64);
        Buffer built = plan.build();
        assertThat((long) built.length()).as("dims %d base64 %s", dims, base64).isLessThanOrEqualTo(plan.maxBytes());
        JsonObject json = new JsonObject(built);
        assertThat(json.getString("model")).isEqualTo("m\u00e9\"del\n");
        JsonArray data = json.getJsonArray("data");
        assertThat(data).hasSize(5);
        if (!base64) {
          assertThat(data.getJsonObject(4).getJsonArray("embedding")).hasSize(dims);
        }
      }
    }
  }

  @Test
  void theBoundOfTheAbusiveRequestIsKnownWithoutBuildingIt() {
    EmbeddingsReply plan = new EmbeddingsReply("text-embedding-3-large", inputs(2048), 3072, false);
    assertThat(plan.maxBytes()).as("2048 × 3072 floats").isGreaterThan(64L * 1024 * 1024);
    EmbeddingsReply packed = new EmbeddingsReply("text-embedding-3-large", inputs(2048), 3072, true);
    assertThat(packed.maxBytes()).as("the same as base64").isBetween(32L * 1024 * 1024, 36L * 1024 * 1024);
  }
}
