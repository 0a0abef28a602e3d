package dev.switchboard.server;

import dev.switchboard.api.ApiException;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;
import io.vertx.core.http.HttpHeaders;

/**
 * Names the client key from the Authorization header (or, as Anthropic's clients send it, {@code x-api-key}), or
 * refuses with 401. Runs before the body is read.
 */
public final class AuthenticationStage implements RequestStage {
  private final ClientAuth auth;

  public AuthenticationStage(ClientAuth auth) {
    this.auth = auth;
  }

  @Override
  public void handle(Exchange exchange) {
    String key;
    try {
      key = auth.authenticate(credentials(exchange));
    } catch (ApiException e) {
      exchange.reply().sendError(e.error(), -1);
      return;
    }
    exchange.clientKey(key);
    exchange.next();
  }

  /** The bearer credentials: {@code Authorization}, else an {@code x-api-key} as Anthropic-protocol clients send. */
  private static String credentials(Exchange exchange) {
    String authorization = exchange.headers().get(HttpHeaders.AUTHORIZATION);
    if (authorization != null) {
      return authorization;
    }
    String apiKey = exchange.headers().get("x-api-key");
    return apiKey == null ? null : "Bearer " + apiKey;
  }
}
