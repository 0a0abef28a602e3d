package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A two-dimensional token bucket: requests and tokens, each refilled continuously at its per-minute rate up to its
 * burst. Both dimensions are taken in one CAS on an immutable state, so a request never takes a request slot
 * without its tokens (or the reverse), and no lock is held. A zero rate leaves that dimension unlimited.
 *
 * <p>A request larger than the whole burst could never fit; it may go when the bucket is full, leaving a debt that
 * later refills pay off.
 */
public final class TokenBucket {
  private static final double NANOS_PER_MINUTE = 60e9;

  /** @param requests available request slots; @param tokens available tokens; @param stamp clock of the last refill */
  record State(double requests, double tokens, long stamp) {
  }

  private final Limits limits;
  private final LongSupplier clock;
  private final double requestsPerNano;
  private final double tokensPerNano;
  private final double burstRequests;
  private final double burstTokens;
  private final AtomicReference<State> state;

  public TokenBucket(Limits limits, LongSupplier nanoClock) {
    this(limits, 1, nanoClock);
  }

  /**
   * A bucket holding {@code share} (0..1] of the limits: rates and bursts scaled, fractions kept (a third of 100 rpm
   * is 33.3, not 33 nor "unlimited"). The fallback share one instance of several may use while Redis is away.
   */
  public TokenBucket(Limits limits, double share, LongSupplier nanoClock) {
    this.limits = limits;
    this.clock = nanoClock;
    this.requestsPerNano = limits.rpm() * share / NANOS_PER_MINUTE;
    this.tokensPerNano = limits.tpm() * share / NANOS_PER_MINUTE;
    this.burstRequests = limits.burstRequests() * share;
    this.burstTokens = limits.burstTokens() * share;
    this.state = new AtomicReference<>(new State(burstRequests, burstTokens, nanoClock.getAsLong()));
  }

  public Limits limits() {
    return limits;
  }

  private State refilled(State s, long now) {
    long elapsed = Math.max(0, now - s.stamp());
    double r = limits.rpm() == 0 ? 0 : Math.min(burstRequests, s.requests() + elapsed * requestsPerNano);
    double t = limits.tpm() == 0 ? 0 : Math.min(burstTokens, s.tokens() + elapsed * tokensPerNano);
    return new State(r, t, now);
  }

  /**
   * Takes one request and {@code tokens} tokens if both are there.
   *
   * @return 0 when taken, otherwise the nanos until they will be
   */
  public long tryTake(long tokens) {
    while (true) {
      long now = clock.getAsLong();
      State s = state.get();
      State r = refilled(s, now);
      long wait = waitNanos(r, tokens);
      if (wait > 0) {
        return wait;
      }
      State next = new State(limits.rpm() == 0 ? 0 : r.requests() - 1, limits.tpm() == 0 ? 0 : r.tokens() - tokens,
          now);
      if (state.compareAndSet(s, next)) {
        return 0;
      }
    }
  }

  /** Nanos until one request and {@code tokens} tokens are available; 0 when they are now. */
  public long waitNanos(long tokens) {
    return waitNanos(refilled(state.get(), clock.getAsLong()), tokens);
  }

  private long waitNanos(State r, long tokens) {
    long wait = 0;
    if (limits.rpm() > 0 && r.requests() < 1) {
      wait = Math.max(wait, (long) Math.ceil((1 - r.requests()) / requestsPerNano));
    }
    if (limits.tpm() > 0 && r.tokens() < tokens && r.tokens() < burstTokens) {
      double need = Math.min(tokens, burstTokens) - r.tokens();
      wait = Math.max(wait, (long) Math.ceil(need / tokensPerNano));
    }
    return wait;
  }

  /**
   * Gives back (positive) or takes more (negative) tokens once a reply's real usage is known; taking may leave a
   * debt. Also used to return a request slot that was taken but not used.
   */
  public void adjust(double requests, double tokens) {
    while (true) {
      long now = clock.getAsLong();
      State s = state.get();
      State r = refilled(s, now);
      State next = new State(limits.rpm() == 0 ? 0 : Math.min(burstRequests, r.requests() + requests),
          limits.tpm() == 0 ? 0 : Math.min(burstTokens, r.tokens() + tokens), now);
      if (state.compareAndSet(s, next)) {
        return;
      }
    }
  }

  /**
   * Lowers what is available to what the provider says is left (its x-ratelimit-remaining headers); never raises
   * it. Negative arguments leave that dimension alone.
   */
  public void clamp(double requests, double tokens) {
    while (true) {
      long now = clock.getAsLong();
      State s = state.get();
      State r = refilled(s, now);
      State next = new State(requests >= 0 ? Math.min(r.requests(), requests) : r.requests(),
          tokens >= 0 ? Math.min(r.tokens(), tokens) : r.tokens(), now);
      if (state.compareAndSet(s, next)) {
        return;
      }
    }
  }

  /** Sets both dimensions, as a shared store reported them. */
  public void set(double requests, double tokens) {
    state.set(new State(requests, tokens, clock.getAsLong()));
  }

  public double availableRequests() {
    return refilled(state.get(), clock.getAsLong()).requests();
  }

  public double availableTokens() {
    return refilled(state.get(), clock.getAsLong()).tokens();
  }

  /**
   * Share of the bucket left, the smaller of the two dimensions: 1 untouched, 0 exhausted. Unlimited dimensions
   * count as full.
   */
  public double headroom() {
    State r = refilled(state.get(), clock.getAsLong());
    double h = 1;
    if (limits.rpm() > 0) {
      h = Math.min(h, Math.max(0, r.requests()) / burstRequests);
    }
    if (limits.tpm() > 0) {
      h = Math.min(h, Math.max(0, r.tokens()) / burstTokens);
    }
    return h;
  }

  /** Nanos until the bucket is full again. */
  public long nanosUntilFull() {
    State r = refilled(state.get(), clock.getAsLong());
    long wait = 0;
    if (limits.rpm() > 0) {
      wait = Math.max(wait, (long) Math.ceil((burstRequests - r.requests()) / requestsPerNano));
    }
    if (limits.tpm() > 0) {
      wait = Math.max(wait, (long) Math.ceil((burstTokens - r.tokens()) / tokensPerNano));
    }
    return wait;
  }
}
