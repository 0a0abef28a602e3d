package dev.switchboard.usage;

import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.ServiceType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjDoubleConsumer;

/**
 * Feeds {@link RequestStats} with every parsed request once it finished: who answered, who it moved on from, whether
 * it succeeded, its duration and its cost. The {@link LedgerListener} hands each request over with its row's cost,
 * so the statistics and the ledger never disagree and the cost is computed once.
 */
public final class StatsListener implements ObjDoubleConsumer<RequestOutcome> {
  private final RequestStats stats;

  public StatsListener(RequestStats stats) {
    this.stats = stats;
  }

  @Override
  public void accept(RequestOutcome o, double cost) {
    List<String> attempts = o.attempts();
    List<String> movedOnFrom = List.of();
    if (attempts.size() > 1) {
      // Every provider tried before the one the last attempt went to (retries of one provider are not failovers).
      String last = providerOf(attempts.get(attempts.size() - 1));
      for (String attempt : attempts) {
        String p = providerOf(attempt);
        if (!p.equals(last) && !movedOnFrom.contains(p)) {
          if (movedOnFrom.isEmpty()) {
            movedOnFrom = new ArrayList<>(2);
          }
          movedOnFrom.add(p);
        }
      }
    }
    boolean success = "ok".equals(o.outcomeLabel());
    stats.record(ServiceType.of(o.request().endpoint()), o.provider(), movedOnFrom, success,
        o.durationNanos() / 1_000_000, cost);
  }

  /** "openai:503" -> "openai". */
  private static String providerOf(String attempt) {
    int colon = attempt.indexOf(':');
    return colon < 0 ? attempt : attempt.substring(0, colon);
  }
}
