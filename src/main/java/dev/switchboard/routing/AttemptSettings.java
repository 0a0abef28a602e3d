package dev.switchboard.routing;

import dev.switchboard.provider.BufferBudget;

import java.util.function.LongSupplier;

/**
 * What every attempt of one gateway instance shares: its watchdog, clock and limits.
 *
 * @param watchdog the instance's timeout tick
 * @param nanoClock the request path's time (the guards' clock)
 * @param maxResponseBytes the largest whole reply the gateway buffers ({@code server.max_response_bytes})
 * @param buffers the process-wide budget for whole replies
 * @param briefWaitMillis a 429 asking for no longer than this is a cooldown, not a provider fault
 */
record AttemptSettings(Watchdog watchdog, LongSupplier nanoClock, long maxResponseBytes, BufferBudget buffers,
                       long briefWaitMillis) {
}
