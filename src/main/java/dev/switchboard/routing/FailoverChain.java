package dev.switchboard.routing;

import dev.switchboard.config.RetryConfig;
import dev.switchboard.config.RoutingConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.local.LocalResponder;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one request over its selected candidates until one answers: each try is an {@link Attempt}; a failure
 * before the reply committed is retried on the same provider after a backoff or moves on to the next candidate,
 * as its {@link FailureKind} says, within the attempt budget and the request deadline. Every outcome feeds the
 * provider's {@link ProviderGuard} (circuit, cooldown, suspension).
 *
 * <p>One instance per gateway verticle; everything for a request runs on that verticle's event loop.
 */
public final class FailoverChain {
  /** Requests that needed more than one attempt or failed, for the dashboard's failover list. */
  public static final String FAILOVER_ADDRESS = "switchboard.failover";

  private final Vertx vertx;
  private final ProviderClients clients;
  private final Selector selector;
  private final ProviderGuards guards;
  private final LocalResponder local;
  private final GatewayMetrics metrics;
  private final RoutingConfig routing;
  private final ProviderEvents events;
  private final ProviderQuota quota;
  private final long maxResponseBytes;
  private final BufferBudget buffers;
  private final Watchdog watchdog = new Watchdog();

  public FailoverChain(Vertx vertx, ProviderClients clients, Selector selector, ProviderGuards guards,
                       LocalResponder local, GatewayMetrics metrics, RoutingConfig routing, ProviderEvents events,
                       ProviderQuota quota, long maxResponseBytes, BufferBudget buffers) {
    this.events = events;
    this.quota = quota;
    this.vertx = vertx;
    this.clients = clients;
    this.selector = selector;
    this.guards = guards;
    this.local = local;
    this.metrics = metrics;
    this.routing = routing;
    this.maxResponseBytes = maxResponseBytes;
    this.buffers = buffers;
    // Created from the owning verticle's start(), so the tick runs on that verticle's event loop and dies with it.
    vertx.setPeriodic(Watchdog.TICK_MILLIS, id -> watchdog.tick());
  }

  public void execute(GatewayRequest request, Route route, ClientReply reply) {
    Selection selection;
    try {
      selection = selector.select(route, request);
    } catch (ApiException e) {
      reply.sendError(e.error(), -1);
      return;
    }
    reply.route(selection.route());
    if (selection.candidates().isEmpty() && selection.refused().isEmpty() && selection.unsupported() != null) {
      reply.sendError(new ApiError(400, ApiError.INVALID_REQUEST, "No provider of model '" + request.model()
          + "' can serve this request: " + selection.unsupported(), null, "unsupported_by_provider"), -1);
      return;
    }
    if (selection.candidates().isEmpty() && selection.onlyRateLimited()) {
      long hint = selection.retryAfterMillis();
      reply.sendError(new ApiError(429, ApiError.RATE_LIMIT, "Every provider of model '" + request.model()
          + "' is at its configured rate limit: " + String.join("; ", selection.refused()) + ".", null,
          "provider_rate_limited"), Math.max(1_000, hint), shortWait(hint));
      return;
    }
    if (selection.candidates().isEmpty()) {
      String why = selection.refused().isEmpty() ? "" : ": " + String.join("; ", selection.refused());
      long hint = selection.retryAfterMillis();
      reply.sendError(new ApiError(503, ApiError.UPSTREAM, "No provider is available for model '" + request.model()
          + "'" + why + ".", "model", "no_provider_available"), Math.max(1_000, hint), shortWait(hint));
      return;
    }
    new Run(request, selection.candidates(), reply).next();
  }

  private boolean shortWait(long millis) {
    return millis >= 0 && millis <= routing.retry().maxRetryAfter().toMillis();
  }

  /** One request's way through its candidates. */
  private final class Run {
    private final GatewayRequest request;
    private final List<Target> candidates;
    private final ClientReply reply;
    private final long deadline;
    private final List<String> outcomes = new ArrayList<>(2);
    private final Set<String> failedProviders = new HashSet<>(2);
    /** Whether any failure was the provider's fault; if none was (404 everywhere), the client gets that answer. */
    private boolean anyProviderFault;
    /** Whether every attempt so far ended in a rate limit or was skipped for one: then the client gets a 429. */
    private boolean onlyRateLimited = true;
    /** The shortest wait a rate-limiting provider asked for, in millis; -1 if none said. */
    private long rateLimitWaitMillis = -1;
    private UpstreamFailure last;
    private int index;
    private int triesHere;
    private int attempts;

    Run(GatewayRequest request, List<Target> candidates, ClientReply reply) {
      this.request = request;
      this.candidates = candidates;
      this.reply = reply;
      this.deadline = request.receivedNanos() + routing.requestTimeout().toNanos();
    }

    /** Tries the current candidate, skipping any that became unavailable since selection. */
    void next() {
      while (index < candidates.size()) {
        if (reply.clientClosed()) {
          return;
        }
        Target t = candidates.get(index);
        if (t.provider().isLocal()) {
          local.respond(request, t.model(), reply);
          published();
          return;
        }
        long now = System.nanoTime();
        if (attempts >= routing.maxAttempts() || now - deadline >= 0) {
          break;
        }
        ProviderGuard guard = guards.of(t.provider());
        String refusal = guard.refusal(now);
        long permit = refusal == null ? guard.circuit().acquire(now) : CircuitBreaker.DENIED;
        if (refusal == null && permit == CircuitBreaker.DENIED) {
          refusal = "circuit half-open, no trial slot free";
        }
        if (refusal != null) {
          // Another request found it broken after this one was routed: skip without spending an attempt.
          if (guard.coolingDownForRateLimit(now)) {
            rateLimited(guard.cooldownRemainingMillis(now));
          } else {
            onlyRateLimited = false;
          }
          outcomes.add(t.provider().id() + ": skipped (" + refusal + ")");
          moveOn(null);
          continue;
        }
        quota.acquire(t, estimate()).onComplete(ar -> {
          if (ar.succeeded() && ar.result()) {
            start(t, guard, permit);
            return;
          }
          // Another request took its headroom since selection: skip it, as the selector would have.
          guard.circuit().onNeutral(permit);
          rateLimited(-1);
          outcomes.add(t.provider().id() + ": skipped (at its rate limit)");
          moveOn(null);
          next();
        });
        return;
      }
      giveUp();
    }

    /** A rate limit met on the way, with the wait it asked for (-1 if none). */
    private void rateLimited(long waitMillis) {
      if (waitMillis >= 0) {
        rateLimitWaitMillis = rateLimitWaitMillis < 0 ? waitMillis : Math.min(rateLimitWaitMillis, waitMillis);
      }
    }

    private long estimate() {
      return Math.max(0, request.tokenEstimate());
    }

    private void start(Target t, ProviderGuard guard, long permit) {
      if (reply.clientClosed()) {
        guard.circuit().onNeutral(permit);
        quota.settle(t, estimate(), null, false);
        return;
      }
      attempts++;
      Attempt attempt = new Attempt(watchdog, clients.get(t.provider().id()), t, request, reply, maxResponseBytes,
          buffers, deadline, routing.circuit().openFor().toMillis());
      attempt.run().onComplete(ar -> {
        if (attempt.upstreamStatus() > 0) {
          quota.observe(t, attempt.upstreamStatus(), attempt.upstreamHeaders());
        }
        boolean answered = ar.succeeded() && attempt.failure() == null;
        quota.settle(t, estimate(), answered ? reply.usageReported() : null, answered);
        settle(t, guard, permit, attempt, ar);
      });
    }

    private void settle(Target t, ProviderGuard guard, long permit, Attempt attempt, AsyncResult<Void> ar) {
      long now = System.nanoTime();
      if (ar.succeeded()) {
        UpstreamFailure late = attempt.failure();
        if (late == null) {
          guard.circuit().onSuccess(permit);
          events.attemptSucceeded(t.provider());
        } else {
          // The stream had committed, so the client got an in-band error; the provider still failed.
          account(guard, late, now, permit);
        }
        published();
        return;
      }
      if (!(ar.cause() instanceof UpstreamFailure failure)) {
        guard.circuit().onNeutral(permit);
        return;
      }
      account(guard, failure, now, permit);
      last = failure;
      anyProviderFault |= failure.kind().providerFault();
      if (failure.kind().rateLimited()) {
        rateLimited(failure.retryAfterMillis());
      } else {
        onlyRateLimited = false;
      }
      failedProviders.add(t.provider().id());
      outcomes.add(t.provider().id() + ": " + failure.clientError().message());
      if (reply.clientClosed() || reply.committed()) {
        return;
      }
      switch (failure.errorClass()) {
        case FINAL -> {
          int larger = failure.kind() == FailureKind.CONTEXT_LENGTH ? largerContext(t) : -1;
          if (larger < 0) {
            // The client's own request was refused: passed on as the provider gave it, the SDK decides as usual.
            finish(failure.clientError(), -1, null);
            return;
          }
          metrics.failover(t.provider().id(), failure.label());
          index = larger;
          triesHere = 0;
          next();
        }
        case RETRY_SAME -> {
          // Moving on is the faster retry while another provider is left, unless configured otherwise.
          boolean retryHere = routing.retry().sameProviderFirst() || !realCandidateAfter(index);
          long wait = failure.retryAfterMillis() >= 0 ? failure.retryAfterMillis() : backoff();
          if (!(retryHere && retry(t, wait, now))) {
            moveOn(failure);
            next();
          }
        }
        case FAILOVER -> {
          // Unreachable or timed out: waiting for it only helps when nothing else is left to try.
          boolean transientFault = failure.kind() == FailureKind.CONNECT || failure.kind() == FailureKind.TIMEOUT
              || failure.kind() == FailureKind.POOL_BUSY;
          if (!(transientFault && !realCandidateAfter(index) && retry(t, backoff(), now))) {
            moveOn(failure);
            next();
          }
        }
        default -> throw new IllegalStateException(failure.errorClass().name());
      }
    }

    /** Schedules another try of the current candidate after {@code wait} ms if the budgets allow; false if not. */
    private boolean retry(Target t, long wait, long now) {
      RetryConfig r = routing.retry();
      if (triesHere >= r.perProvider() || wait > r.maxRetryAfter().toMillis() || attempts >= routing.maxAttempts()
          || now + wait * 1_000_000 - deadline >= 0) {
        return false;
      }
      triesHere++;
      metrics.retry(t.provider().id());
      if (wait <= 0) {
        next();
        return true;
      }
      long timer = vertx.setTimer(wait, id -> {
        reply.onCancel(null);
        next();
      });
      // A client leaving during the backoff needs no further attempt.
      reply.onCancel(() -> vertx.cancelTimer(timer));
      return true;
    }

    /** Jittered exponential backoff: half the step fixed, half random, so retries of many requests spread out. */
    private long backoff() {
      RetryConfig r = routing.retry();
      long step = Math.min(r.backoffMax().toMillis(), r.backoffBase().toMillis() << Math.min(20, triesHere));
      return step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    }

    private void moveOn(UpstreamFailure failure) {
      if (failure != null) {
        Target from = candidates.get(index);
        metrics.failover(from.provider().id(), failure.label());
        long wait = failure.retryAfterMillis();
        ProviderGuard guard = guards.of(from.provider());
        long now = System.nanoTime();
        if (wait > 0 && guard.cooldownRemainingMillis(now) == 0) {
          // It asked for time: the next requests go elsewhere until then instead of meeting the same answer.
          guard.coolDown(wait, "asked to retry after " + wait + " ms", failure.kind().rateLimited(), now);
        }
      }
      index++;
      triesHere = 0;
    }

    private boolean realCandidateAfter(int i) {
      for (int j = i + 1; j < candidates.size(); j++) {
        if (!candidates.get(j).provider().isLocal()) {
          return true;
        }
      }
      return false;
    }

    /** The next candidate with a configured context window larger than the failed target's, or -1. */
    private int largerContext(Target failed) {
      if (failed.contextWindow() <= 0) {
        return -1;
      }
      for (int j = index + 1; j < candidates.size(); j++) {
        Target c = candidates.get(j);
        if (!c.provider().isLocal() && c.contextWindow() > failed.contextWindow()) {
          return j;
        }
      }
      return -1;
    }

    /**
     * Nothing left to try: the one provider's own error; a 429 when every provider tried was rate limiting (an SDK
     * backs off and retries a 429, where a 503 would read as an outage); or a 503 naming every attempt.
     */
    private void giveUp() {
      if (onlyRateLimited && !outcomes.isEmpty()
          && !(last != null && failedProviders.size() == 1 && outcomes.size() == attempts)) {
        long wait = rateLimitWaitMillis >= 0 ? rateLimitWaitMillis : minWait();
        finish(new ApiError(429, ApiError.RATE_LIMIT, "Every provider of model '" + request.model() + "' is rate "
            + "limiting requests (" + attempts + " attempts): " + String.join("; ", outcomes), null,
            "upstream_rate_limited"), Math.max(1_000, wait), shortWait(wait));
        return;
      }
      if (last == null) {
        String why = outcomes.isEmpty() ? "" : ": " + String.join("; ", outcomes);
        long hint = minWait();
        finish(new ApiError(503, ApiError.UPSTREAM, "No provider is available for model '" + request.model() + "'"
            + why + ".", "model", "no_provider_available"), Math.max(1_000, hint), shortWait(hint));
        return;
      }
      if (failedProviders.size() == 1 && outcomes.size() == attempts || !anyProviderFault) {
        long wait = last.retryAfterMillis();
        finish(last.clientError(), wait, last.kind().providerFault() || last.kind().rateLimited() ? shortWait(wait)
            : null);
        return;
      }
      // The 1 s floor is only what the header says; whether a retry can help depends on a real hint (a provider's
      // Retry-After, an open circuit or a cooldown ending soon). Without one, the gateway's own retries were the
      // client's: an SDK retrying on top would only multiply them.
      long hint = minWait();
      long wait = Math.max(1_000, hint);
      finish(new ApiError(503, ApiError.UPSTREAM, "Every provider failed for model '" + request.model() + "' ("
          + attempts + " attempts): " + String.join("; ", outcomes), null, "all_providers_failed"), wait,
          shortWait(hint));
    }

    /** The soonest any candidate may be tried again: its own Retry-After, an open circuit or a cooldown. */
    private long minWait() {
      long now = System.nanoTime();
      long wait = last == null ? -1 : last.retryAfterMillis();
      for (Target t : candidates) {
        if (t.provider().isLocal()) {
          continue;
        }
        long w = guards.of(t.provider()).millisUntilAvailable(now);
        if (w > 0) {
          wait = wait < 0 ? w : Math.min(wait, w);
        }
      }
      return wait;
    }

    private void finish(ApiError error, long retryAfterMillis, Boolean shouldRetry) {
      reply.sendError(error, retryAfterMillis, shouldRetry);
      published();
    }

    /** Tells the control plane about a request that needed more than one try or failed. */
    private void published() {
      if (outcomes.isEmpty()) {
        return;
      }
      vertx.eventBus().publish(FAILOVER_ADDRESS, new JsonObject()
          .put("request_id", request.requestId())
          .put("model", request.model())
          .put("attempts", new JsonArray(new ArrayList<>(reply.attempts())))
          .put("outcomes", new JsonArray(new ArrayList<>(outcomes)))
          .put("served_by", reply.committed() && reply.status() < 400 ? reply.provider() : null)
          .put("at", System.currentTimeMillis()));
    }
  }

  /** What a failure teaches about the provider beyond this request. */
  private void account(ProviderGuard guard, UpstreamFailure failure, long now, long permit) {
    long retryAfter = failure.retryAfterMillis();
    switch (failure.kind()) {
      case AUTH -> guard.suspend("credentials refused (HTTP " + failure.label() + "); fix the api_key, then "
          + "re-enable the provider");
      case QUOTA -> guard.coolDown(retryAfter > 0 ? retryAfter : ProviderGuard.QUOTA_COOLDOWN_MILLIS,
          "quota or credit exhausted", now);
      case RATE_LIMITED, ASKED_TO_WAIT -> {
        if (retryAfter > routing.retry().maxRetryAfter().toMillis()) {
          guard.coolDown(retryAfter, "rate limited by the provider", true, now);
        }
      }
      default -> {
      }
    }
    if (failure.kind().providerFault()) {
      guard.circuit().onFailure(permit, failure.label(), now);
      events.attemptFailed(guard.provider(), failure.kind(), failure.label());
    } else {
      guard.circuit().onNeutral(permit);
    }
  }
}
