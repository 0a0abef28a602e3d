package dev.switchboard.config;

import java.time.Duration;

/**
 * Per-provider circuit breaker.
 *
 * @param failureThreshold consecutive provider failures that open the circuit
 * @param errorRate error rate over the stats window that opens it (with at least {@code minRequests} attempts)
 * @param minRequests attempts in the window before the error rate counts
 * @param openFor how long an open circuit rejects traffic before letting trial requests through; doubles on each
 *     failed trial, up to {@code maxOpenFor}
 * @param maxOpenFor cap of the open period
 * @param halfOpenRequests concurrent trial requests while half-open; that many successes close the circuit
 */
public record CircuitConfig(int failureThreshold, double errorRate, int minRequests, Duration openFor,
                            Duration maxOpenFor, int halfOpenRequests) {
  public static final CircuitConfig DEFAULT =
      new CircuitConfig(5, 0.5, 20, Duration.ofSeconds(15), Duration.ofMinutes(5), 3);
}
