package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;

/**
 * How a front end speaks on the wire. Everything below the front door produces chat-completions shapes (replies,
 * {@code chat.completion.chunk} events, OpenAI-shaped errors); a front end for another API (OpenAI Responses,
 * Anthropic Messages) gives its {@link ClientReply} one of these, and the writer turns each of those shapes into the
 * client's own as it goes out. Chat Completions itself has none: its bytes go out untouched. One instance per request,
 * used only on the request's event loop.
 */
public interface WireFormat {
  /** The front end's name, for the access log, the ledger and the dashboard ({@code responses}, {@code messages}). */
  String frontEnd();

  /** A whole reply, given in chat-completions shape (an OpenAI error body when {@code status} is 400 or more). */
  Buffer reply(int status, Buffer chatBody);

  /** The HTTP status of an error answered before anything was sent. */
  int errorStatus(ApiError error);

  /** The body of an error answered before anything was sent. */
  Buffer errorBody(ApiError error);

  /** Appends to {@code out} the framed events that one chat-completions stream payload becomes: none, one or more. */
  void event(Buffer chatPayload, Buffer out);

  /**
   * Appends the framed events that end a committed stream: the closing events, or the in-band failure when
   * {@code inBandError} is not null. Nothing may follow them.
   *
   * @param usage what the reply reported so far (empty when the provider reported none)
   */
  void end(ApiError inBandError, Usage usage, Buffer out);

  /** The front end's native side, for a provider that speaks its API; null when the front end has none. */
  default NativeFront nativeFront() {
    return null;
  }
}
