package dev.switchboard.routing;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.Requirements;
import dev.switchboard.config.ModelPrice;

import java.util.List;

/**
 * Leaves out the targets that do not meet the request's own {@link Requirements}: a configured price above
 * {@code max_price} (or none configured: unknown is not cheap), a quality below {@code min_quality}, a live p95 latency
 * above {@code max_latency} (a provider without samples yet passes, as the score treats it). Being a gate, it holds
 * for every strategy and for pinned requests alike. When it leaves no target, the client gets a 503 naming the
 * requirement each target missed. Thread-safe (stateless).
 */
public final class RequirementGate implements CandidateGate {
  @Override
  public String refuse(Target target, GatewayRequest request, long nowNanos) {
    Requirements r = request.requirements();
    if (!r.any()) {
      return null;
    }
    ModelPrice price = target.price();
    if (r.maxPricePerMillion() != null) {
      if (price == null || !price.tokenPriced()) {
        return "no token price configured (max_price)";
      }
      if (price.blended() > r.maxPricePerMillion()) {
        return "price " + Requirements.number(price.blended()) + " per 1M tokens above max_price "
            + Requirements.number(r.maxPricePerMillion());
      }
    }
    if (r.maxPricePerRequest() != null) {
      if (price == null || !price.perUnit().any()) {
        return "no price per request, image or character configured (max_price)";
      }
      double cost = UnitCost.of(request, price);
      if (cost > r.maxPricePerRequest()) {
        return "price " + Requirements.number(cost) + " per request above max_price "
            + Requirements.number(r.maxPricePerRequest());
      }
    }
    if (r.minQuality() != null && target.quality() < r.minQuality()) {
      return "quality " + Requirements.number(target.quality()) + " below min_quality "
          + Requirements.number(r.minQuality());
    }
    if (r.maxLatencyMillis() != null) {
      double p95 = target.provider().stats().p95LatencyMillis();
      if (p95 > r.maxLatencyMillis()) {
        return "p95 latency " + Math.round(p95) + "ms above max_latency " + r.maxLatencyMillis() + "ms";
      }
    }
    return null;
  }

  @Override
  public ApiError noneLeft(GatewayRequest request, List<String> refused) {
    return new ApiError(503, ApiError.UPSTREAM, "No provider of model '" + request.model() + "' meets this request's "
        + "requirements (" + request.requirements().describe() + "): " + GiveUp.clauses(refused) + ".", null,
        "requirements_not_met");
  }
}
