package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One validated client request, parsed once. The body is shared read-only with every attempt: adapters that
 * change it work on a copy.
 *
 * @param body the parsed JSON body; never mutate
 * @param rawBody the bytes the client sent, forwarded as they are when nothing needs changing
 * @param clientKey name of the client key that authenticated it ("anonymous" on an open gateway)
 * @param clientWantsUsage the client itself asked for {@code stream_options.include_usage}
 * @param pinnedProvider {@code x-switchboard-provider} header, or null
 * @param strategy {@code x-switchboard-strategy} header, or null
 * @param tokenEstimate prompt plus expected completion tokens (for rate limits), -1 until estimated
 * @param requirements what the client demands of the serving target (price, quality, latency); never null
 */
public record GatewayRequest(String requestId, Endpoint endpoint, String model, boolean stream,
                             boolean clientWantsUsage, JsonObject body, Buffer rawBody, String clientKey,
                             String pinnedProvider, String strategy, long receivedNanos, long tokenEstimate,
                             Requirements requirements) {
  /**
   * The body member where the Messages front end keeps Anthropic parameters chat has no field for ({@code top_k},
   * {@code thinking}): an Anthropic provider applies them, every other adapter leaves the member out upstream.
   */
  public static final String ANTHROPIC_EXTRAS = "x_anthropic";

  public GatewayRequest(String requestId, Endpoint endpoint, String model, boolean stream, boolean clientWantsUsage,
                        JsonObject body, Buffer rawBody, String clientKey, String pinnedProvider, String strategy,
                        long receivedNanos) {
    this(requestId, endpoint, model, stream, clientWantsUsage, body, rawBody, clientKey, pinnedProvider, strategy,
        receivedNanos, -1, Requirements.NONE);
  }

  public GatewayRequest withTokenEstimate(long estimate) {
    return new GatewayRequest(requestId, endpoint, model, stream, clientWantsUsage, body, rawBody, clientKey,
        pinnedProvider, strategy, receivedNanos, estimate, requirements);
  }

  /** This request with the client's requirements, and the body they were read from (without their member). */
  public GatewayRequest withRequirements(Requirements requirements, JsonObject body, Buffer rawBody) {
    return new GatewayRequest(requestId, endpoint, model, stream, clientWantsUsage, body, rawBody, clientKey,
        pinnedProvider, strategy, receivedNanos, tokenEstimate, requirements);
  }
}
