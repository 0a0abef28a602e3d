package dev.switchboard.telemetry;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;

/** Ends each traced request's server span with its outcome and cost (the ledger's prices). */
public final class TraceFinisher implements FinishListener {
  private final ProviderRegistry providers;

  public TraceFinisher(ProviderRegistry providers) {
    this.providers = providers;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    outcome.trace().finished(outcome, cost(outcome));
  }

  private double cost(RequestOutcome o) {
    if (o.cacheHit() || o.degraded() || o.provider() == null || o.upstreamModel() == null) {
      return 0;
    }
    Provider provider = providers.get(o.provider());
    return provider == null ? 0 : o.usage().cost(provider.config().price(o.upstreamModel()));
  }
}
