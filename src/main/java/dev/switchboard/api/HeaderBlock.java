package dev.switchboard.api;

import io.vertx.core.MultiMap;

/**
 * Headers a stage decided for every reply to a request (a client key's {@code x-ratelimit-*} values), kept as the
 * stage's own values and written straight into the reply's headers when its head goes out: no map of their own to
 * build and copy from on every request.
 */
@FunctionalInterface
public interface HeaderBlock {
  void addTo(MultiMap headers);
}
