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
    boolean unservable = false;
    for (Target t : route.targets()) {
      if (!t.provider().enabled()) {
        continue;
      }
      if (t.provider().isLocal()) {
        if (local == null) {
          local = t;
        }
      } else if (t.provider().unsupported(request) == null) {
        real.add(t);
      } else {
        unservable = true;
      }
    }
    // A request the enabled providers cannot serve (images from a Messages-only API) is refused, not faked locally.
    if (real.isEmpty() && local != null && !unservable) {
      return List.of(local);
    }
    return real;
  }

  /** The reason an enabled provider of the route gave for not serving the request, or null. */
  public static String unsupported(Route route, GatewayRequest request) {
    for (Target t : route.targets()) {
      String why = t.provider().enabled() ? t.provider().unsupported(request) : null;
      if (why != null) {
        return why;
      }
    }
    return null;
  }
}
