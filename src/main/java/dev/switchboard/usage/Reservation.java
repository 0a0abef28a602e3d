package dev.switchboard.usage;

import java.util.List;

/**
 * What a request in flight holds of its key's budget until it finishes: {@code amount} in each window
 * {@code counters} names, in Redis ({@code shared}) or in this instance's {@link LocalHolds}.
 */
record Reservation(String requestId, String keyName, List<String> counters, List<BudgetWindows.Period> periods,
                   double amount, boolean shared) {
}
