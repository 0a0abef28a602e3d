package dev.switchboard.provider;

import dev.switchboard.api.NativeFront;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two bodies a native adapter touches ({@code anthropic/AnthropicNative}, {@code openai/ResponsesNative}): the
 * client's request with only the model changed, and the provider's whole reply, read only for its usage.
 */
public final class NativeBodies {
  private NativeBodies() {
  }

  /** The client's body for {@code providerId} with {@code model} in place of the client's model. */
  public static Buffer withModel(NativeFront front, String providerId, String model) {
    // Shallow copy: only the model changes, and the client's body is shared with other attempts.
    Map<String, Object> body = new LinkedHashMap<>(front.body(providerId).getMap());
    body.put("model", model);
    return new JsonObject(body).toBuffer();
  }

  /**
   * The provider's whole reply as a JSON object.
   *
   * @throws IllegalArgumentException when it is empty or not an object: the reply is broken, and the chain may go on
   */
  public static JsonObject reply(Buffer body) {
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(body.length() == 0 ? "the provider's reply is empty"
          : "the provider's reply is not a JSON object");
    }
  }
}
