package dev.switchboard.usage;

import java.util.List;

/**
 * What a request in flight holds of its key's budget until it finishes: {@code amount} in each window
 * {@code counters} names, in Redis ({@code shared}) or in this instance's {@link LocalHolds}. {@code holdId} is unique
 * across instances (the request id is the client's to choose); {@code previous} is another request in flight under
 * the same request id, so that each one's finish settles one hold and none is lost.
 */
record Reservation(String holdId, List<String> counters, List<BudgetWindows.Period> periods, double amount,
                   boolean shared, Reservation previous) {
  Reservation after(Reservation earlier) {
    return new Reservation(holdId, counters, periods, amount, shared, earlier);
  }
}
