package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.usage.ClientKeys;

/**
 * Checks client keys against every key there is (config and admin API). A gateway with no key at all is open and
 * accepts everything as "anonymous"; once a key has existed, every request needs one (revoking the last key
 * created through the admin API locks the gateway rather than opening it).
 */
public final class ClientAuth {
  public static final String ANONYMOUS = "anonymous";
  private final ClientKeys keys;

  public ClientAuth(ClientKeys keys) {
    this.keys = keys;
  }

  /**
   * The client key's name for an {@code Authorization} header value.
   *
   * @throws ApiException 401 when the key is missing or unknown
   */
  public String authenticate(String authorization) {
    if (keys.open()) {
      return ANONYMOUS;
    }
    if (authorization == null || authorization.isBlank()) {
      throw new ApiException(ApiError.missingKey());
    }
    String token = authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).trim() : authorization.trim();
    ClientKeys.Entry entry = token.isEmpty() ? null : keys.bySecret(token);
    if (entry == null) {
      throw new ApiException(ApiError.badKey());
    }
    return entry.config().name();
  }
}
