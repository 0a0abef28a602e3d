package dev.switchboard.provider;

import dev.switchboard.api.Endpoint;
import io.vertx.core.json.JsonObject;

/** The cheapest request of each service type, for health probes (the model is filled in by the caller). */
final class ProbeBodies {
  private ProbeBodies() {
  }

  static JsonObject of(Endpoint endpoint) {
    return switch (endpoint) {
      case EMBEDDINGS -> new JsonObject().put("input", "ping");
      // dall-e-2's smallest size; a provider that needs another size gets it from the probe's body setting.
      case IMAGES -> new JsonObject().put("prompt", "a dot").put("n", 1).put("size", "256x256");
      case SPEECH -> new JsonObject().put("input", "ok").put("voice", "alloy");
      default -> throw new IllegalArgumentException(endpoint.name());
    };
  }
}
