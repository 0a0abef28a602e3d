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

  /** This tap if it is a {@code type}, or the one among the taps it combines; null when there is none. */
  default <T extends ReplyTap> T find(Class<T> type) {
    return type.isInstance(this) ? type.cast(this) : null;
  }

  /** Both taps, {@code first} first (a reply may be recorded for the cache and for the payload log at once). */
  static ReplyTap both(ReplyTap first, ReplyTap second) {
    return new ReplyTap() {
      @Override
      public void json(int status, String contentType, Buffer body) {
        first.json(status, contentType, body);
        second.json(status, contentType, body);
      }

      @Override
      public void event(Buffer payload) {
        first.event(payload);
        second.event(payload);
      }

      @Override
      public void relayedNatively(String providerId) {
        first.relayedNatively(providerId);
        second.relayedNatively(providerId);
      }

      @Override
      public <T extends ReplyTap> T find(Class<T> type) {
        T found = first.find(type);
        return found != null ? found : second.find(type);
      }
    };
  }

  /**
   * What follows is relayed natively from {@code providerId} in the front end's own API (framed events, the
   * provider's own body), or, with null, in chat shapes again (a failover to a translated target before the commit).
   */
  default void relayedNatively(String providerId) {
  }
}
