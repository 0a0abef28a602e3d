package dev.switchboard.server.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.openai.core.ObjectMappers;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import io.vertx.core.json.JsonObject;

/**
 * Parses produced JSON with openai-java's own model classes and validates it (every required field present with
 * the right type), proving an SDK client reads what the gateway writes.
 */
final class SdkModels {
  private SdkModels() {
  }

  static Response response(JsonObject json) {
    try {
      return ObjectMappers.jsonMapper().readValue(json.encode(), Response.class).validate();
    } catch (JsonProcessingException e) {
      throw new AssertionError("openai-java cannot read the response: " + e.getMessage(), e);
    }
  }

  static ResponseStreamEvent event(JsonObject json) {
    try {
      return ObjectMappers.jsonMapper().readValue(json.encode(), ResponseStreamEvent.class).validate();
    } catch (JsonProcessingException e) {
      throw new AssertionError("openai-java cannot read the event: " + e.getMessage(), e);
    }
  }
}
