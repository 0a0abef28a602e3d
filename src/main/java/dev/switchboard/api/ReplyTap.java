package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;

/**
 * Sees what a {@link ClientReply} sends, as the client receives it (after the gateway's own translation, such as
 * removing the usage chunk the client did not ask for). The response cache records replies through one. Called on
 * the request's event loop; the buffers are not to be kept, only copied.
 */
public interface ReplyTap {

  /** A whole JSON reply. */
  void json(int status, String contentType, Buffer body);

  /** One SSE event's payload, without the {@code data: } framing; {@code [DONE]} is not passed. */
  void event(Buffer payload);

  /**
   * What follows is relayed natively from {@code providerId} in the front end's own API (framed events, the
   * provider's own body), or, with null, in chat shapes again (a failover to a translated target before the commit).
   */
  default void relayedNatively(String providerId) {
  }
}
