package dev.switchboard.usage;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import dev.switchboard.config.ClientKeyConfig;

/** A client key limited to some models may use only those: 403 {@code model_not_allowed} for the rest. */
public final class KeyPolicyStage implements RequestStage {
  private final ClientKeys keys;

  public KeyPolicyStage(ClientKeys keys) {
    this.keys = keys;
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayRequest request = exchange.request();
    ClientKeyConfig key = keys.config(request.clientKey());
    if (key != null && !key.allows(request.model())) {
      exchange.reply().sendError(new ApiError(403, ApiError.INVALID_REQUEST, "Key '" + key.name() + "' may not use "
          + "model '" + request.model() + "'.", "model", "model_not_allowed"), -1);
      return;
    }
    exchange.next();
  }
}
