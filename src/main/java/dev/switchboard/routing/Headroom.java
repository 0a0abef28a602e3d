package dev.switchboard.routing;

/**
 * How much rate-limit headroom a target has left, 0 (exhausted) to 1 (untouched). The rate-limit service provides
 * it; without one every target has full headroom.
 */
@FunctionalInterface
public interface Headroom {
  Headroom FULL = target -> 1;

  double of(Target target);
}
