package dev.switchboard.api;

/**
 * Work done once a reply is over (metrics, access log, ledger, live events, cache store, key settlement): each gets
 * the same immutable {@link RequestOutcome}, exactly once, on the request's event loop. Listeners must not block and
 * must not throw; the launcher assembles them into one list.
 */
public interface FinishListener {

  void finished(RequestOutcome outcome);
}
