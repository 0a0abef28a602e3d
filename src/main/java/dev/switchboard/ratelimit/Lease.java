package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;

import java.util.concurrent.atomic.AtomicReference;

/**
 * This instance's reservation in one shared bucket: requests and tokens that Redis moved out of the shared bucket
 * into a lease held for this instance alone. While Redis cannot be reached — dead, or only slow for this instance
 * (an overloaded host) while the others still use it — the instance admits only from its lease, which no other
 * instance can take meanwhile; so the instances together never admit more than the bucket held.
 *
 * <p>That holds because this view never exceeds what Redis holds for the instance:
 * <ul>
 *   <li>it is learnt only from an answer, less what was spent and given back since that call was sent; a call whose
 *   outcome is unknown (timed out) teaches nothing, so a top-up it may have made is not used;</li>
 *   <li>shrinking is decided here, not in Redis: what an answer advises giving back is subtracted when the next call is
 *   sent, before Redis has seen it, so an unknown call cannot have shrunk the lease behind this view's back;</li>
 *   <li>what was spent and given back travel as running totals, which Redis applies once however often (and in
 *   whatever order) calls carrying them arrive;</li>
 *   <li>it expires {@code validNanos} after the send of the last answered call, by this instance's clock — never
 *   later than Redis, which renews the lease on every call it runs (all after their send) and drops it when it
 *   expires.</li>
 * </ul>
 * Thread-safe and lock-free: one immutable state swapped by CAS. Time comes in as arguments.
 */
final class Lease {

  /**
   * @param requests, tokens usable now (by this view)
   * @param spentRequests, spentTokens running totals of what this instance admitted from the lease
   * @param returnedRequests, returnedTokens running totals of what it gave back to the shared bucket
   * @param adviseRequests, adviseTokens what Redis's last answer asked back (the shared bucket runs low)
   * @param expiresAtNanos when the lease stops being usable; {@code known} false until the first answer
   */
  record State(double requests, double tokens, double spentRequests, double spentTokens, double returnedRequests,
               double returnedTokens, double adviseRequests, double adviseTokens, long expiresAtNanos, boolean known) {
  }

  /** What one call carries about the lease: the running totals, and when it was sent. */
  record Report(double spentRequests, double spentTokens, double returnedRequests, double returnedTokens,
                long sentAtNanos) {
  }

  private final long validNanos;
  private final AtomicReference<State> state =
      new AtomicReference<>(new State(0, 0, 0, 0, 0, 0, 0, 0, 0, false));

  /** @param validNanos how long a lease is usable after the call that renewed it was sent */
  Lease(long validNanos) {
    this.validNanos = validNanos;
  }

  State state() {
    return state.get();
  }

  /** Whether the lease may be used at {@code nowNanos}. */
  boolean valid(long nowNanos) {
    State s = state.get();
    return s.known() && nowNanos - s.expiresAtNanos() < 0;
  }

  /**
   * Admits one request of {@code tokens} from the lease if it holds them and has not expired. Unlimited dimensions
   * are not checked (Redis leases none of them).
   */
  boolean take(Limits limits, long tokens, long nowNanos) {
    while (true) {
      State s = state.get();
      if (!s.known() || nowNanos - s.expiresAtNanos() >= 0) {
        return false;
      }
      boolean r = limits.rpm() > 0;
      boolean t = limits.tpm() > 0;
      if ((r && s.requests() < 1) || (t && s.tokens() < tokens)) {
        return false;
      }
      double dr = r ? 1 : 0;
      double dt = t ? tokens : 0;
      State next = new State(s.requests() - dr, s.tokens() - dt, s.spentRequests() + dr, s.spentTokens() + dt,
          s.returnedRequests(), s.returnedTokens(), s.adviseRequests(), s.adviseTokens(), s.expiresAtNanos(), true);
      if (state.compareAndSet(s, next)) {
        return true;
      }
    }
  }

  /** A call is being sent: gives back what Redis asked for (gone from this view at once) and reports the totals. */
  Report send(long nowNanos) {
    return send(nowNanos, false);
  }

  /** As {@link #send(long)}, giving everything back (the instance is leaving). */
  Report release(long nowNanos) {
    return send(nowNanos, true);
  }

  private Report send(long nowNanos, boolean all) {
    while (true) {
      State s = state.get();
      double br = Math.max(0, Math.min(all ? s.requests() : s.adviseRequests(), s.requests()));
      double bt = Math.max(0, Math.min(all ? s.tokens() : s.adviseTokens(), s.tokens()));
      State next = new State(s.requests() - br, s.tokens() - bt, s.spentRequests(), s.spentTokens(),
          s.returnedRequests() + br, s.returnedTokens() + bt, 0, 0, s.expiresAtNanos(), s.known());
      if (state.compareAndSet(s, next)) {
        return new Report(next.spentRequests(), next.spentTokens(), next.returnedRequests(), next.returnedTokens(),
            nowNanos);
      }
    }
  }

  /**
   * Redis answered the call that carried {@code sent}: the lease it now holds for this instance is
   * {@code requests}/{@code tokens} and it asks {@code advise*} back. This view becomes that, less what was spent or
   * given back since the call was sent.
   */
  void answered(Report sent, double requests, double tokens, double adviseRequests, double adviseTokens) {
    while (true) {
      State s = state.get();
      double r = requests - (s.spentRequests() - sent.spentRequests()) - (s.returnedRequests() - sent.returnedRequests());
      double t = tokens - (s.spentTokens() - sent.spentTokens()) - (s.returnedTokens() - sent.returnedTokens());
      long expires = sent.sentAtNanos() + validNanos;
      if (s.known() && expires - s.expiresAtNanos() < 0) {
        expires = s.expiresAtNanos();
      }
      State next = new State(Math.max(0, r), Math.max(0, t), s.spentRequests(), s.spentTokens(),
          s.returnedRequests(), s.returnedTokens(), adviseRequests, adviseTokens, expires, true);
      if (state.compareAndSet(s, next)) {
        return;
      }
    }
  }
}
