package dev.switchboard.server;

import dev.switchboard.config.AuthConfig;
import dev.switchboard.config.ClientKeyConfig;

import java.util.HashMap;
import java.util.Map;

/** Checks client keys. An open gateway (no keys configured) accepts everything as "anonymous". */
public final class ClientAuth {
  public static final String ANONYMOUS = "anonymous";
  private final Map<String, String> nameByKey = new HashMap<>();
  private final boolean open;

  public ClientAuth(AuthConfig config) {
    for (ClientKeyConfig k : config.keys()) {
      nameByKey.put(k.key().reveal(), k.name());
    }
    this.open = config.open();
  }

  /**
   * The client key's name for an {@code Authorization} header value.
   *
   * @throws ApiException 401 when the key is missing or unknown
   */
  public String authenticate(String authorization) {
    if (open) {
      return ANONYMOUS;
    }
    if (authorization == null || authorization.isBlank()) {
      throw new ApiException(ApiError.missingKey());
    }
    String token = authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).trim() : authorization.trim();
    String name = nameByKey.get(token);
    if (name == null) {
      throw new ApiException(ApiError.badKey());
    }
    return name;
  }
}
