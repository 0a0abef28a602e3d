package dev.switchboard.routing;

import dev.switchboard.api.Usage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * A provider's share of a rate limit, taken for each attempt and settled when it ends. The rate limiter implements
 * it; without one every attempt may go.
 */
public interface ProviderQuota {
  ProviderQuota NONE = new ProviderQuota() {
    @Override
    public Future<Boolean> acquire(Target target, long estimate) {
      return Future.succeededFuture(true);
    }

    @Override
    public void settle(Target target, long estimate, Usage usage, boolean answered) {
    }

    @Override
    public void observe(Target target, int status, MultiMap headers) {
    }
  };

  /** Takes the attempt's share; false when the target has no headroom left (it is skipped, not failed). */
  Future<Boolean> acquire(Target target, long estimate);

  /** The attempt ended: real usage settles the estimate. */
  void settle(Target target, long estimate, Usage usage, boolean answered);

  /** The provider's reply head, whose rate-limit headers say how much it has left. */
  void observe(Target target, int status, MultiMap headers);
}
