package dev.switchboard.routing;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.config.ModelPrice;
import dev.switchboard.config.RequestPrices;

/**
 * What a request costs at a model's per-unit prices ({@link RequestPrices}), known before it is sent: the price per
 * request, {@code n} images of the requested size and quality, the characters of a speech input. Token prices come on
 * top, from the reply's usage ({@code usage/Costs}). The ledger, budgets and {@code max_price} per request all read it
 * here, so they agree.
 */
public final class UnitCost {
  private UnitCost() {
  }

  /** The per-unit part of the request's cost at {@code price}; 0 when it has none. */
  public static double of(GatewayRequest request, ModelPrice price) {
    if (price == null) {
      return 0;
    }
    RequestPrices p = price.perUnit();
    double cost = p.perRequest() == null ? 0 : p.perRequest();
    if (request.endpoint() == Endpoint.IMAGES && p.perImage() != null) {
      long n = request.body().getValue("n") instanceof Number num ? Math.max(1, num.longValue()) : 1;
      cost += n * p.perImage().of(text(request, "size"), text(request, "quality"));
    }
    if (request.endpoint() == Endpoint.SPEECH && p.per1kCharacters() != null
        && request.body().getValue("input") instanceof String input) {
      cost += input.length() / 1000.0 * p.per1kCharacters();
    }
    return cost;
  }

  private static String text(GatewayRequest request, String key) {
    return request.body().getValue(key) instanceof String s ? s : null;
  }
}
