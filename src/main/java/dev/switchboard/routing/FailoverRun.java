package dev.switchboard.routing;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's way through its candidates: the loop select → attempt → ask the {@link RetryPolicy} → act. It holds
 * the request's position and tally; the rules live in the policy, the answers in {@link GiveUp}, the lessons about
 * providers in {@link GuardEffects}. Confined to the request's event loop.
 */
final class FailoverRun {
  private final FailoverChain chain;
  /** The rules of the config generation this request started on, kept to its end. */
  private final RoutingRules rules;
  private final GatewayRequest request;
  private final List<Target> candidates;
  private final ClientReply reply;
  private final long deadline;
  private final RunTally tally = new RunTally();
  /** Backoffs the policy asked for, in millis, in order; null until the first retry (most requests have none). */
  private List<Long> backoffs;
  private int index;
  private int retriesHere;
  /** The hedge race of the first attempt, or null when it was not hedged. */
  private HedgeRace race;
  private long hedgeTimer = -1;
  /** Whether this request has had its one chance of a hedge. */
  private boolean hedged;
  /** Panic routing: the candidates' open circuits do not keep them out (see {@link Selector}). */
  private final boolean panic;

  private final Route route;
  private final TailOptions tail;
  /** The client stream's text for a mid-stream resume; null when a cut ends the stream (resume off, not chat). */
  private final StreamSplice splice;

  FailoverRun(FailoverChain chain, RoutingRules rules, GatewayRequest request, Route route, List<Target> candidates,
              ClientReply reply, boolean panic, TailOptions tail) {
    this.panic = panic;
    this.route = route;
    this.tail = tail;
    this.chain = chain;
    this.rules = rules;
    this.request = request;
    this.candidates = candidates;
    this.reply = reply;
    this.deadline = chain.deadlineNanos(request, rules.routing());
    Boolean resume = route == null ? null : route.resume();
    boolean on = resume != null ? resume : rules.routing().resume().enabled();
    this.splice = on && request.stream() && request.endpoint() == dev.switchboard.api.Endpoint.CHAT
        ? new StreamSplice(rules.routing().resume().max()) : null;
  }

  /** Tries the current candidate, skipping any that became unavailable since selection. */
  void next() {
    while (index < candidates.size()) {
      if (reply.clientClosed()) {
        return;
      }
      Target t = candidates.get(index);
      if (t.provider().isLocal()) {
        chain.local.respond(request, t.model(), reply);
        published();
        return;
      }
      long now = chain.nanoClock.getAsLong();
      if (tally.attempts >= rules.routing().maxAttempts() || now - deadline >= 0) {
        break;
      }
      ProviderGuard guard = chain.guards.of(t.provider());
      String refusal = guard.refusal(now);
      long permit = refusal == null ? guard.circuit().acquire(now) : CircuitBreaker.DENIED;
      if (refusal == null && permit == CircuitBreaker.DENIED) {
        refusal = "circuit half-open, no trial slot free";
      }
      if (refusal != null && panic && (permit == CircuitBreaker.DENIED && refusal.startsWith("circuit")
          || guard.refusedOnlyByCircuit(now))) {
        // Panic: tried despite its circuit. Its result, on an ordinary permit, cannot close or reopen a circuit that
        // is not closed: the breaker still judges by its own trials.
        refusal = null;
        permit = CircuitBreaker.NORMAL;
      }
      if (refusal != null) {
        // Another request found it broken after this one was routed: skip without spending an attempt.
        boolean rateLimit = guard.coolingDownForRateLimit(now);
        tally.skipped(t.provider().id(), refusal, rateLimit, rateLimit ? guard.cooldownRemainingMillis(now) : -1);
        moveOn(null);
        continue;
      }
      long granted = permit;
      chain.quota.acquire(t, estimate()).onComplete(ar -> {
        if (ar.succeeded() && ar.result()) {
          start(t, guard, granted);
          return;
        }
        // Another request took its headroom since selection: skip it, as the selector would have.
        rules.effects().neutral(guard, granted);
        tally.skipped(t.provider().id(), "at its rate limit", true, -1);
        moveOn(null);
        next();
      });
      return;
    }
    GiveUp.Answer answer = rules.giveUp().exhausted(tally, request.model(), soonestMillis());
    reply.sendError(answer.error(), answer.retryAfterMillis(), answer.shouldRetry());
    published();
  }

  private long estimate() {
    return Math.max(0, request.tokenEstimate());
  }

  private void start(Target t, ProviderGuard guard, long permit) {
    if (reply.clientClosed()) {
      rules.effects().neutral(guard, permit);
      chain.quota.settle(t, estimate(), null, false);
      return;
    }
    tally.attempts++;
    Attempt attempt = newAttempt(t);
    long hedgeDelay = hedged ? HedgePolicy.NONE
        : rules.hedging().delayMillis(request, route, tail, t, realCandidateAfter(index));
    if (hedgeDelay != HedgePolicy.NONE) {
      // At most one hedge per request, whatever becomes of this one.
      hedged = true;
      race = new HedgeRace(reply, this::cancelHedgeTimer);
      race.add(attempt);
      attempt.race(race);
      int from = index;
      hedgeTimer = chain.vertx.setTimer(Math.max(1, hedgeDelay), id -> {
        hedgeTimer = -1;
        hedge(attempt, from);
      });
    }
    run(t, guard, permit, attempt);
  }

  private Attempt newAttempt(Target t) {
    long firstToken = request.stream() ? rules.firstTokens().nanos(t, route, tail.firstTokenMillis())
        : FirstTokenDeadline.NONE;
    Attempt a = new Attempt(rules.settings(), chain.clients.get(t.provider().id()), t, request, reply, deadline,
        firstToken);
    a.resumable(splice, false);
    return a;
  }

  /**
   * The first attempt has produced no content within the hedge delay: a second one starts on the next real candidate,
   * if the budget, its guard and its rate-limit headroom allow. The first to produce content wins ({@link HedgeRace}).
   */
  private void hedge(Attempt first, int from) {
    if (first.done() || first.hasContent() || race.decided() || reply.committed() || reply.clientClosed()
        || tally.attempts >= rules.routing().maxAttempts()) {
      return;
    }
    int j = from + 1;
    while (j < candidates.size() && candidates.get(j).provider().isLocal()) {
      j++;
    }
    if (j >= candidates.size()) {
      return;
    }
    Target h = candidates.get(j);
    dev.switchboard.api.NativeFront front = reply.nativeFront();
    if (front != null && (candidates.get(from).provider().adapter().nativeFormat(front) != null
        || h.provider().adapter().nativeFormat(front) != null)) {
      // One reply format per client stream: an attempt relayed natively and one translated through chat cannot race
      // for it (the reply takes the format of the attempt that starts, not of the one that wins).
      return;
    }
    ProviderGuard g = chain.guards.of(h.provider());
    long now = chain.nanoClock.getAsLong();
    if (g.refusal(now) != null) {
      return;
    }
    if (!rules.hedging().budget().tryTake()) {
      chain.metrics.hedge(h.provider().id(), "no_budget");
      return;
    }
    long permit = g.circuit().acquire(now);
    if (permit == CircuitBreaker.DENIED) {
      rules.hedging().budget().refund();
      return;
    }
    int at = j;
    chain.quota.acquire(h, estimate()).onComplete(ar -> {
      boolean headroom = ar.succeeded() && ar.result();
      if (!headroom || first.done() || race.decided() || reply.committed() || reply.clientClosed()) {
        // No headroom, or the first attempt ended meanwhile (the run has moved on without a hedge).
        rules.effects().neutral(g, permit);
        if (headroom) {
          chain.quota.settle(h, estimate(), null, false);
        }
        rules.hedging().budget().refund();
        return;
      }
      index = at;
      retriesHere = 0;
      tally.attempts++;
      chain.metrics.hedge(h.provider().id(), "started");
      Attempt second = newAttempt(h);
      race.add(second);
      second.race(race);
      run(h, g, permit, second);
    });
  }

  private void cancelHedgeTimer() {
    if (hedgeTimer >= 0) {
      chain.vertx.cancelTimer(hedgeTimer);
      hedgeTimer = -1;
    }
  }

  private void run(Target t, ProviderGuard guard, long permit, Attempt attempt) {
    attempt.run().onComplete(ar -> {
      if (attempt.upstreamStatus() > 0) {
        chain.quota.observe(t, attempt.upstreamStatus(), attempt.upstreamHeaders());
      }
      boolean answered = ar.succeeded() && attempt.failure() == null;
      chain.quota.settle(t, estimate(), answered ? reply.usageReported() : null, answered);
      settle(t, guard, permit, attempt, ar);
    });
  }

  private void settle(Target t, ProviderGuard guard, long permit, Attempt attempt, AsyncResult<Void> ar) {
    long now = chain.nanoClock.getAsLong();
    boolean othersRunning = race != null && race.othersRunning(attempt);
    if (!othersRunning) {
      cancelHedgeTimer();
    }
    if (race != null && race.hedgeStarted() && ar.succeeded()) {
      chain.metrics.hedge(t.provider().id(), "won");
    }
    if (ar.failed() && ar.cause() instanceof Attempt.HedgeLost) {
      chain.metrics.hedge(t.provider().id(), "lost");
      rules.effects().neutral(guard, permit);
      return;
    }
    if (ar.failed() && ar.cause() instanceof Attempt.StreamCut cut) {
      rules.effects().failed(guard, cut.failure, permit, now);
      resume(t, cut);
      return;
    }
    if (ar.succeeded()) {
      UpstreamFailure late = attempt.failure();
      if (splice != null && splice.resumes() > 0) {
        chain.metrics.streamResume(late == null ? "completed" : "failed");
      }
      if (late == null) {
        rules.effects().succeeded(guard, permit);
      } else {
        // The stream had committed, so the client got an in-band error; the provider still failed.
        rules.effects().failed(guard, late, permit, now);
      }
      published();
      return;
    }
    if (!(ar.cause() instanceof UpstreamFailure failure)) {
      rules.effects().neutral(guard, permit);
      return;
    }
    rules.effects().failed(guard, failure, permit, now);
    tally.failed(t.provider().id(), failure);
    if (reply.clientClosed() || reply.committed()) {
      return;
    }
    if (othersRunning) {
      // The hedged twin is still running: it answers, or its own failure decides what comes next.
      chain.metrics.failover(t.provider().id(), failure.label());
      return;
    }
    if (candidates.get(index) != t) {
      // The first of two hedged attempts failed last: go on after the hedge's candidate.
      chain.metrics.failover(t.provider().id(), failure.label());
      index++;
      retriesHere = 0;
      next();
      return;
    }
    int larger = failure.kind() == FailureKind.CONTEXT_LENGTH ? largerContext(t) : -1;
    RetryDecision decision = rules.policy().decide(new RetryPolicy.Failed(failure.kind(), failure.retryAfterMillis(),
        retriesHere, tally.attempts, realCandidateAfter(index), larger >= 0, deadline - now));
    switch (decision.action()) {
      case GIVE_UP -> {
        // The client's own request was refused: passed on as the provider gave it, the SDK decides as usual.
        reply.sendError(failure.clientError(), -1, null);
        published();
      }
      case LARGER_CONTEXT -> {
        chain.metrics.failover(t.provider().id(), failure.label());
        index = larger;
        retriesHere = 0;
        next();
      }
      case RETRY_SAME -> retry(t, decision.delayMillis());
      case NEXT_CANDIDATE -> {
        moveOn(failure);
        next();
      }
      default -> throw new IllegalStateException(decision.action().name());
    }
  }

  /**
   * A committed stream was cut: continue it on the next real candidate that its guard and rate limit let in, sent the
   * original request plus the text delivered so far; with none, the stream ends with the in-band error as without
   * resume.
   */
  private void resume(Target cutOn, Attempt.StreamCut cut) {
    if (reply.clientClosed() || reply.finished()) {
      return;
    }
    long now = chain.nanoClock.getAsLong();
    int from = candidates.indexOf(cutOn);
    for (int j = from + 1; j < candidates.size() && now - deadline < 0; j++) {
      Target h = candidates.get(j);
      if (h.provider().isLocal()) {
        continue;
      }
      ProviderGuard g = chain.guards.of(h.provider());
      if (g.refusal(now) != null) {
        continue;
      }
      long permit = g.circuit().acquire(now);
      if (permit == CircuitBreaker.DENIED) {
        continue;
      }
      index = j;
      retriesHere = 0;
      GatewayRequest next = splice.continuationOf(request, h.provider().type(), reply.usageReported(), cut.charsDelivered);
      chain.quota.acquire(h, estimate()).onComplete(ar -> {
        boolean headroom = ar.succeeded() && ar.result();
        if (!headroom || reply.finished()) {
          rules.effects().neutral(g, permit);
          if (headroom) {
            chain.quota.settle(h, estimate(), null, false);
          }
          endCut(cut);
          return;
        }
        tally.attempts++;
        // The dashboard's failover list tells the story (published when the continuation ends).
        tally.outcomes.add(cutOn.provider().id() + ": stream cut after commit (" + cut.failure.label()
            + "), resumed on " + h.provider().id());
        reply.comment("x-switchboard-resumed " + h.provider().id());
        long firstToken = rules.firstTokens().nanos(h, route, tail.firstTokenMillis());
        Attempt attempt = new Attempt(rules.settings(), chain.clients.get(h.provider().id()), h, next, reply, deadline,
            firstToken);
        attempt.resumable(splice, true);
        run(h, g, permit, attempt);
      });
      return;
    }
    endCut(cut);
  }

  /** No continuation: the cut stream ends with its in-band error, as it would without resume. */
  private void endCut(Attempt.StreamCut cut) {
    chain.metrics.streamResume("unavailable");
    reply.endStream(cut.failure.clientError());
    published();
  }

  /** Tries the current candidate again after the policy's {@code delayMillis}. */
  private void retry(Target t, long delayMillis) {
    retriesHere++;
    chain.metrics.retry(t.provider().id());
    if (backoffs == null) {
      backoffs = new ArrayList<>(2);
    }
    backoffs.add(delayMillis);
    if (delayMillis <= 0) {
      next();
      return;
    }
    long timer = chain.vertx.setTimer(delayMillis, id -> {
      reply.onCancel(null);
      next();
    });
    // A client leaving during the backoff needs no further attempt.
    reply.onCancel(() -> chain.vertx.cancelTimer(timer));
  }

  private void moveOn(UpstreamFailure failure) {
    if (failure != null) {
      Target from = candidates.get(index);
      chain.metrics.failover(from.provider().id(), failure.label());
      rules.effects().leaving(chain.guards.of(from.provider()), failure, chain.nanoClock.getAsLong());
    }
    index++;
    retriesHere = 0;
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

  /** The soonest any candidate may be tried again: its own Retry-After, an open circuit or a cooldown; -1 if unknown. */
  private long soonestMillis() {
    long now = chain.nanoClock.getAsLong();
    long wait = tally.last == null ? -1 : tally.last.retryAfterMillis();
    for (Target t : candidates) {
      if (t.provider().isLocal()) {
        continue;
      }
      long w = chain.guards.of(t.provider()).millisUntilAvailable(now);
      if (w > 0) {
        wait = wait < 0 ? w : Math.min(wait, w);
      }
    }
    return wait;
  }

  /** Tells the control plane about a request that needed more than one try or failed. */
  private void published() {
    if (tally.outcomes.isEmpty()) {
      return;
    }
    JsonObject event = new JsonObject()
        .put("request_id", request.requestId())
        .put("model", request.model())
        .put("attempts", new JsonArray(new ArrayList<>(reply.attempts())))
        .put("outcomes", new JsonArray(new ArrayList<>(tally.outcomes)))
        .put("served_by", reply.committed() && reply.status() < 400 ? reply.provider() : null)
        .put("at", chain.wall.millis());
    if (backoffs != null) {
      event.put("backoff_ms", new JsonArray(new ArrayList<>(backoffs)));
    }
    chain.vertx.eventBus().publish(FailoverChain.FAILOVER_ADDRESS, event);
  }
}
