package dev.switchboard.testing;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.server.RequestValidator;
import io.vertx.core.buffer.Buffer;

/** Validated {@link GatewayRequest}s from JSON text, as the gateway builds them, for adapter unit tests. */
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
}
