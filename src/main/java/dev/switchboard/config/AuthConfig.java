package dev.switchboard.config;

import java.util.List;

/** Client keys for the /v1 API and the admin key. No client keys means the gateway is open. */
public record AuthConfig(List<ClientKeyConfig> keys, Secret adminKey) {

  public AuthConfig {
    keys = List.copyOf(keys);
  }

  public boolean open() {
    return keys.isEmpty();
  }
}
