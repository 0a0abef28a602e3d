package dev.switchboard.api;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * The native side of a front end whose API some providers also speak (Anthropic Messages, OpenAI Responses): the
 * client's request in that API, and the {@link WireFormat} that sends a provider's reply in that API on unchanged. An
 * attempt whose adapter speaks {@link #api()} natively sends {@link #body} upstream and relays the reply as it came
 * ({@code ProviderAdapter#nativeFormat}); every other attempt of the same request goes through chat as before. One
 * instance per request, used on the request's event loop.
 */
public interface NativeFront {
  /** The API, named as its front end is ({@code messages}, {@code responses}). */
  String api();

  /**
   * The request body for an attempt at {@code providerId}, in the front end's own API; the adapter copies it before
   * changing anything (the model). It may differ by provider: a Responses continuation keeps
   * {@code previous_response_id} only for the provider that holds the earlier response.
   */
  JsonObject body(String providerId);

  /** The client's headers that belong to the API itself ({@code anthropic-version}, {@code anthropic-beta}). */
  MultiMap apiHeaders();

  /**
   * How the reply of a native attempt at {@code providerId} goes out: whole replies and framed events as the provider
   * sent them (seen on the way, e.g. by the response store); errors and an in-band failure in the front end's shape.
   * Its {@link WireFormat#event} receives whole framed events, its {@link WireFormat#end} adds only a failure.
   */
  WireFormat format(String providerId);
}
