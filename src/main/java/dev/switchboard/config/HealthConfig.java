package dev.switchboard.config;

import java.time.Duration;

/**
 * Active health probing and the health state machine.
 *
 * @param interval time between probes of a healthy provider (each instance adds jitter)
 * @param timeout one probe's limit
 * @param jitter share of the interval added or removed at random, so instances do not probe in lock-step
 * @param downInterval time between probes of a provider that is down, so recovery is noticed quickly
 * @param downAfter consecutive failures (probes or live) that mark a provider down
 * @param recoverAfter consecutive successful probes that bring a provider back
 * @param degradedLatency a probe or smoothed live latency above this marks a provider degraded
 * @param degradedErrorRate a live error rate above this marks a provider degraded
 * @param staleAfter a provider not probed successfully for this long is "unknown", not healthy
 * @param readyRequires what /ready needs: {@code any} provider servable, or {@code every-model}: each configured
 *     model (alias or provider model) has a provider that can serve it
 */
public record HealthConfig(boolean enabled, Duration interval, Duration timeout, double jitter, Duration downInterval,
                           int downAfter, int recoverAfter, Duration degradedLatency, double degradedErrorRate,
                           Duration staleAfter, String readyRequires) {
  public static final HealthConfig DEFAULT = new HealthConfig(true, Duration.ofSeconds(30), Duration.ofSeconds(5),
      0.2, Duration.ofSeconds(5), 3, 2, Duration.ofSeconds(10), 0.25, Duration.ofSeconds(100), "any");
}
