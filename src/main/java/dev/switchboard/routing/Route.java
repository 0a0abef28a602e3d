package dev.switchboard.routing;

import java.util.List;

/**
 * Every target that could serve a requested model, in configured order, with the local fallback (if any) last.
 * Selection among them is the {@link Selector}'s job.
 *
 * @param alias true when the requested name is a configured alias rather than a provider's own model name
 */
public record Route(String requestedModel, boolean alias, List<Target> targets) {
  public Route {
    targets = List.copyOf(targets);
  }
}
