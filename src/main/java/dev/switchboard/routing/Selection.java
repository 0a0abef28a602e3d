package dev.switchboard.routing;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.RoutingStrategy;

import java.util.List;

/**
 * The outcome of selection for one request: the targets to try, in order, and why.
 *
 * @param candidates targets to try in order; the local fallback, if any, last
 * @param refused targets left out and why, e.g. "openai: circuit open"
 * @param retryAfterMillis when a refused target may be tried again (for a 503 when nothing is left), or -1
 * @param route the value of x-switchboard-route: strategy and the candidates' scores or order
 * @param unsupported why an enabled target's API cannot serve this request at all, or null
 * @param onlyRateLimited every refused target was refused for lack of rate-limit headroom
 * @param requestRefused the answer when one gate refused every target for the request itself (its size, its
 *     requirements; see {@link CandidateGate#noneLeft}), else null
 * @param panic every real target was refused by circuits or health alone, so they are tried anyway ({@link Selector})
 */
public record Selection(RoutingStrategy strategy, List<Target> candidates, List<String> refused,
                        long retryAfterMillis, String route, String unsupported, boolean onlyRateLimited,
                        ApiError requestRefused, boolean panic) {
  public Selection(RoutingStrategy strategy, List<Target> candidates, List<String> refused, long retryAfterMillis,
                   String route, String unsupported, boolean onlyRateLimited) {
    this(strategy, candidates, refused, retryAfterMillis, route, unsupported, onlyRateLimited, null, false);
  }

  public Selection(RoutingStrategy strategy, List<Target> candidates, List<String> refused, long retryAfterMillis,
                   String route, String unsupported, boolean onlyRateLimited, ApiError requestRefused) {
    this(strategy, candidates, refused, retryAfterMillis, route, unsupported, onlyRateLimited, requestRefused, false);
  }

  public Selection(RoutingStrategy strategy, List<Target> candidates, List<String> refused, long retryAfterMillis,
                   String route, String unsupported, boolean onlyRateLimited, boolean panic) {
    this(strategy, candidates, refused, retryAfterMillis, route, unsupported, onlyRateLimited, null, panic);
  }
}
