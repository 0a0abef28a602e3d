package dev.switchboard.testing;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.server.RequestValidator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Request bodies for gateway tests ({@link #chat(String, String)}: one user message, then {@code .stream()} and
 * other fields), and validated {@link GatewayRequest}s from JSON text, as the gateway builds them, for adapter unit
 * tests.
 */
public final class Requests {
  private Requests() {
  }

  public static GatewayRequest of(Endpoint endpoint, String json) {
    return new RequestValidator().parse(endpoint, Buffer.buffer(json), "req_test", "anonymous", null, null,
        System.nanoTime());
  }

  public static GatewayRequest chat(String json) {
    return of(Endpoint.CHAT, json);
  }

  /** A chat request for {@code model} with one user message, {@code text}. */
  public static Chat chat(String model, String text) {
    return new Chat(new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text))));
  }

  /** A chat request body under construction; {@link #toString()} is its JSON text. */
  public static final class Chat {
    private final JsonObject body;

    private Chat(JsonObject body) {
      this.body = body;
    }

    /** Asks for a streamed reply. */
    public Chat stream() {
      return with("stream", true);
    }

    /** Asks for a streamed reply that ends with a usage chunk. */
    public Chat streamWithUsage() {
      return stream().with("stream_options", new JsonObject().put("include_usage", true));
    }

    /** Any further field, e.g. {@code with("max_tokens", 5)}. */
    public Chat with(String field, Object value) {
      body.put(field, value);
      return this;
    }

    public JsonObject json() {
      return body.copy();
    }

    /** The validated request, as the gateway would build it from this body. */
    public GatewayRequest request() {
      return Requests.chat(toString());
    }

    @Override
    public String toString() {
      return body.encode();
    }
  }
}
