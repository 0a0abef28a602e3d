package dev.switchboard.cache;

import dev.switchboard.api.ApiException;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import dev.switchboard.api.Usage;
import dev.switchboard.routing.Route;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Answers a request from the {@link ResponseCache} when it can; otherwise passes it on, with a {@link Recorder} on
 * the reply when the request may be stored ({@code MISS}; the {@link CacheStore} listener stores it when it ended
 * well). Identical requests arriving while the first is in flight wait for it (at most {@code coalesce_wait}) and
 * replay its answer; if it fails or cannot be stored they are released to go upstream themselves.
 */
public final class CacheStage implements RequestStage {
  private final ResponseCache cache;
  private final Vertx vertx;

  public CacheStage(ResponseCache cache) {
    this.cache = cache;
    this.vertx = cache.vertx();
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayRequest request = exchange.request();
    Route route = exchange.route();
    ClientReply reply = exchange.reply();
    MultiMap headers = exchange.headers();
    CachePlan plan;
    try {
      plan = cache.policy().plan(request, route, headers.get("cache-control"), headers.get(CachePolicy.TTL_HEADER),
          reply.books().frontEnd());
    } catch (ApiException e) {
      reply.sendError(e.error(), -1);
      return;
    }
    if (plan == null || !plan.read()) {
      if (CachePolicy.cacheable(request.endpoint())) {
        cache.countBypass();
        cache.metrics().cacheRequest(request.endpoint().label(), "bypass", "none");
      }
      if (plan != null) {
        // no-cache: not looked up, but the fresh reply is stored.
        record(plan, reply, null);
      }
      exchange.next();
      return;
    }
    CachedReply hit = cache.local(plan.key());
    if (hit != null && hit.stream() == plan.stream()) {
      replay(hit, "memory", plan, reply);
      return;
    }
    RedisTier redis = cache.redis();
    if (redis == null || !redis.up()) {
      afterMiss(plan, exchange);
      return;
    }
    redis.get(plan.key()).onComplete(ar -> {
      CachedReply shared = ar.result();
      if (reply.clientClosed() || reply.committed()) {
        // The client left, or the reply was ended meanwhile (shutdown).
        return;
      }
      if (shared != null && shared.stream() == plan.stream()) {
        cache.sharedHit(plan.key(), shared);
        replay(shared, "redis", plan, reply);
        return;
      }
      afterMiss(plan, exchange);
    });
  }

  /** Not cached: wait for an identical request in flight, or lead (go upstream and store for the others). */
  private void afterMiss(CachePlan plan, Exchange exchange) {
    if (!cache.config().coalesce() || !plan.write()) {
      miss(plan, exchange, null);
      return;
    }
    CompletableFuture<CachedReply> mine = new CompletableFuture<>();
    CompletableFuture<CachedReply> leader = cache.lead(plan.key(), mine);
    if (leader == null) {
      miss(plan, exchange, mine);
    } else {
      new Waiter(plan, exchange).await(leader);
    }
  }

  private void miss(CachePlan plan, Exchange exchange, CompletableFuture<CachedReply> leading) {
    cache.countMiss();
    cache.metrics().cacheRequest(plan.endpoint(), "miss", "none");
    ClientReply reply = exchange.reply();
    reply.cacheStatus("MISS");
    record(plan, reply, leading);
    if (cache.config().stale().onError()) {
      reply.onUpstreamFailure(error -> serveStale(plan, reply));
    }
    exchange.next();
  }

  /**
   * Every provider failed: an expired entry for the same request, still within {@code max_stale}, answers instead of
   * the error ({@code x-switchboard-cache: STALE} with its {@code age}). False when there is none.
   */
  private boolean serveStale(CachePlan plan, ClientReply reply) {
    CachedReply entry = cache.stale(plan.key());
    if (entry == null || entry.stream() != plan.stream() || reply.clientClosed()) {
      cache.metrics().cacheRequest(plan.endpoint(), "stale_miss", "none");
      return false;
    }
    replay(entry, "stale", plan, reply);
    return true;
  }

  /** Records the reply through a tap; the store listener finds the recording on the outcome. */
  private void record(CachePlan plan, ClientReply reply, CompletableFuture<CachedReply> leading) {
    if (plan.write()) {
      reply.tap(new Recorder(cache.config().maxEntryBytes(), plan, leading));
    }
  }

  /** One request waiting for an identical one in flight. Runs on its own event loop. */
  private final class Waiter {
    private final CachePlan plan;
    private final Exchange exchange;
    private final Context context = Vertx.currentContext();
    private boolean settled;
    private long timer = -1;

    Waiter(CachePlan plan, Exchange exchange) {
      this.plan = plan;
      this.exchange = exchange;
    }

    void await(CompletableFuture<CachedReply> leader) {
      timer = vertx.setTimer(Math.max(1, cache.config().coalesceWait().toMillis()), id -> {
        timer = -1;
        settle(null, "timeout");
      });
      exchange.reply().onCancel(() -> {
        settled = true;
        cancelTimer();
      });
      leader.whenComplete((entry, err) -> context.runOnContext(
          v -> settle(entry, entry == null ? "released" : "served")));
    }

    private void settle(CachedReply entry, String result) {
      if (settled) {
        return;
      }
      settled = true;
      cancelTimer();
      ClientReply reply = exchange.reply();
      reply.onCancel(null);
      cache.metrics().cacheCoalesced(result);
      if (reply.clientClosed() || reply.committed()) {
        return;
      }
      if (entry != null && entry.stream() == plan.stream()) {
        replay(entry, "coalesced", plan, reply);
      } else {
        // The first request failed, could not be stored or took too long: this one goes upstream itself.
        miss(plan, exchange, null);
      }
    }

    private void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  // ---- replay --------------------------------------------------------------------------------------------------

  private void replay(CachedReply entry, String tier, CachePlan plan, ClientReply reply) {
    if (!"stale".equals(tier)) {
      cache.countHit("coalesced".equals(tier));
    }
    cache.metrics().cacheRequest(plan.endpoint(), "stale".equals(tier) ? "stale" : "hit", tier);
    Usage saved = entry.usage();
    cache.metrics().cacheSavedTokens("prompt", saved.promptTokens());
    cache.metrics().cacheSavedTokens("completion", saved.completionTokens());
    reply.cacheHit(entry.ageSeconds(cache.nowMillis()), saved);
    if ("stale".equals(tier)) {
      reply.cacheStatus("STALE");
    }
    reply.servedBy("cache", entry.model(), false);
    if (entry.nativeProvider() != null) {
      // Recorded as the provider sent it in the client's own API: replayed the same way, not translated again.
      reply.relayNatively(entry.nativeProvider());
    }
    if (!entry.stream()) {
      reply.sendJson(entry.status(), entry.contentType(), entry.body());
      return;
    }
    List<Buffer> events = entry.events();
    reply.startStream();
    long pace = cache.config().replayInterval().toMillis();
    if (pace <= 0) {
      for (Buffer event : events) {
        reply.writeEvent(event);
      }
      reply.endStream(null);
    } else {
      paced(events, 0, pace, reply);
    }
  }

  /** Replays events one per {@code pace} ms; stops if the client leaves. */
  private void paced(List<Buffer> events, int next, long pace, ClientReply reply) {
    if (reply.clientClosed()) {
      return;
    }
    if (next == events.size()) {
      reply.endStream(null);
      return;
    }
    reply.writeEvent(events.get(next));
    long timer = vertx.setTimer(pace, id -> paced(events, next + 1, pace, reply));
    reply.onCancel(() -> vertx.cancelTimer(timer));
  }
}
