package dev.switchboard.routing;

import dev.switchboard.server.GatewayRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * Orders a route's targets into the candidates to try. Today: the enabled real providers in configured order,
 * and the local fallback only when no real provider is available. Health, circuit, headroom, budget and scoring
 * plug in here as filters and a sort (routing issue).
 */
public final class Selector {

  public List<Target> candidates(Route route, GatewayRequest request) {
    List<Target> real = new ArrayList<>(route.targets().size());
    Target local = null;
    for (Target t : route.targets()) {
      if (!t.provider().enabled()) {
        continue;
      }
      if (t.provider().isLocal()) {
        if (local == null) {
          local = t;
        }
      } else {
        real.add(t);
      }
    }
    if (real.isEmpty() && local != null) {
      return List.of(local);
    }
    return real;
  }
}
