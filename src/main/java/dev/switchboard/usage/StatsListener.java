package dev.switchboard.usage;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.ServiceType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Feeds {@link RequestStats} with every parsed request once it finished: who answered, who it moved on from, whether
 * it succeeded, its duration and its cost (the ledger's own figure, so the two never disagree).
 */
public final class StatsListener implements FinishListener {
  private final RequestStats stats;
  private final ToDoubleFunction<RequestOutcome> cost;

  public StatsListener(RequestStats stats, ToDoubleFunction<RequestOutcome> cost) {
    this.stats = stats;
    this.cost = cost;
  }

  @Override
  public void finished(RequestOutcome o) {
    if (o.request() == null) {
      return;
    }
    List<String> movedOnFrom = List.of();
    for (String attempt : o.attempts()) {
      int colon = attempt.indexOf(':');
      String p = colon < 0 ? attempt : attempt.substring(0, colon);
      if (!p.equals(o.provider()) && !movedOnFrom.contains(p)) {
        if (movedOnFrom.isEmpty()) {
          movedOnFrom = new ArrayList<>(2);
        }
        movedOnFrom.add(p);
      }
    }
    boolean success = "ok".equals(o.outcomeLabel());
    stats.record(ServiceType.of(o.request().endpoint()), o.provider(), movedOnFrom, success,
        o.durationNanos() / 1_000_000, cost.applyAsDouble(o));
  }
}
