package dev.switchboard.cache;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.ReplyTap;
import dev.switchboard.api.RequestOutcome;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Records one reply as the client receives it, up to the entry size limit; past it, the recording is dropped at
 * once (the reply still goes to the client, it is just not cached). It travels on the request's outcome to the
 * {@link CacheStore} with its plan and, when the request leads identical ones, the future they wait on. Used on the
 * request's event loop only.
 */
final class Recorder implements ReplyTap {
  private final long maxBytes;
  private final CachePlan plan;
  private final CompletableFuture<CachedReply> leading;
  private Buffer data = Buffer.buffer();
  private int[] ends;
  private int events;
  private boolean json;
  private int status;
  private String contentType;
  private boolean tooLarge;
  /** The provider relaying natively in the front end's own API, or null for chat shapes. */
  private String nativeProvider;

  /** @param leading completed with the stored entry (or null) once the reply is over; null when nobody waits */
  Recorder(long maxBytes, CachePlan plan, CompletableFuture<CachedReply> leading) {
    this.maxBytes = maxBytes;
    this.plan = plan;
    this.leading = leading;
  }

  CachePlan plan() {
    return plan;
  }

  CompletableFuture<CachedReply> leading() {
    return leading;
  }

  @Override
  public void json(int status, String contentType, Buffer body) {
    this.json = true;
    this.status = status;
    this.contentType = contentType;
    if (!tooLarge && fits(body.length())) {
      data.appendBuffer(body);
    }
  }

  @Override
  public void relayedNatively(String providerId) {
    nativeProvider = providerId;
  }

  @Override
  public void event(Buffer payload) {
    if (tooLarge || !fits(payload.length())) {
      return;
    }
    data.appendBuffer(payload);
    if (ends == null) {
      ends = new int[16];
    } else if (events == ends.length) {
      ends = Arrays.copyOf(ends, events * 2);
    }
    ends[events++] = data.length();
  }

  private boolean fits(int more) {
    if (data.length() + (long) more > maxBytes) {
      tooLarge = true;
      data = null;
      ends = null;
      return false;
    }
    return true;
  }

  /**
   * Why the finished reply cannot be stored, or null when it can: it must have ended well (a 2xx, a stream that
   * ended with [DONE] and no in-band error), not be the local fallback's placeholder, be of the kind the request
   * asked for, fit, and not have stopped at the length limit unless that is allowed.
   */
  String refusal(RequestOutcome reply, boolean stream, boolean allowTruncated) {
    if (reply.outcome() != ClientReply.Outcome.OK || reply.status() < 200 || reply.status() > 299) {
      return "incomplete";
    }
    if (reply.degraded()) {
      return "degraded";
    }
    if (reply.cacheHit()) {
      // A stale entry served in place of an error: the entry itself, not a fresh answer.
      return "stale";
    }
    if (tooLarge) {
      return "too_large";
    }
    if (stream == json || (stream && events == 0)) {
      return "incomplete";
    }
    if (!allowTruncated && truncated()) {
      return "truncated";
    }
    return null;
  }

  /** The recorded reply; call only when {@link #refusal} found nothing against it. */
  CachedReply build(RequestOutcome reply, long nowMillis, long ttlMillis) {
    return new CachedReply(json ? status : 200, json ? contentType : null, data.getBytes(),
        json ? null : Arrays.copyOf(ends, events), reply.usage(), reply.provider(), reply.upstreamModel(),
        nowMillis, nowMillis + ttlMillis, nativeProvider);
  }

  /** Any choice that stopped at the length limit ({@code finish_reason: length}). */
  private boolean truncated() {
    if (json) {
      return stoppedAtLength(data.getBytes());
    }
    int start = 0;
    byte[] all = data.getBytes();
    for (int i = 0; i < events; i++) {
      if (stoppedAtLength(Arrays.copyOfRange(all, start, ends[i]))) {
        return true;
      }
      start = ends[i];
    }
    return false;
  }

  /**
   * A chat or completion reply or chunk with a choice whose finish_reason is "length"; or, relayed natively, an
   * Anthropic message stopped at {@code max_tokens} or an incomplete OpenAI response.
   */
  static boolean stoppedAtLength(byte[] json) {
    String text = new String(json, StandardCharsets.UTF_8);
    if (text.contains("\"stop_reason\":\"max_tokens\"") || text.startsWith("event: response.incomplete")
        || (text.contains("\"status\":\"incomplete\"") && text.contains("\"object\":\"response\""))) {
      return true;
    }
    // Cheap first look: most replies and nearly every chunk cannot match.
    if (!text.contains("\"length\"")) {
      return false;
    }
    try {
      if (new JsonObject(text).getValue("choices") instanceof JsonArray choices) {
        for (Object c : choices) {
          if (c instanceof JsonObject choice && "length".equals(choice.getValue("finish_reason"))) {
            return true;
          }
        }
      }
    } catch (RuntimeException e) {
      // Not a JSON object: nothing to say about it here.
    }
    return false;
  }
}
