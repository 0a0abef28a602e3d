package dev.switchboard.usage;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.FinishListener;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import dev.switchboard.config.ModelPrice;
import dev.switchboard.routing.UnitCost;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;

import java.util.function.LongSupplier;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ToLongFunction;

/**
 * Writes a finished request's ledger row: its usage (estimated when the provider reported none) and cost. A request
 * refused before it was parsed has no row.
 */
public final class LedgerListener implements FinishListener {
  private final UsageService usage;
  private final ProviderRegistry providers;
  private final ToLongFunction<GatewayRequest> promptTokens;
  private final LongSupplier wallMillis;
  private final ObjDoubleConsumer<RequestOutcome> costed;

  /**
   * @param promptTokens the tokenizer's count of a request's prompt, for replies without usage
   * @param wallMillis the clock of the rows' times
   */
  public LedgerListener(UsageService usage, ProviderRegistry providers, ToLongFunction<GatewayRequest> promptTokens,
                        LongSupplier wallMillis) {
    this(usage, providers, promptTokens, wallMillis, (outcome, cost) -> { });
  }

  /** @param costed hears each recorded request with its row's cost (the statistics), so nothing computes it twice */
  public LedgerListener(UsageService usage, ProviderRegistry providers, ToLongFunction<GatewayRequest> promptTokens,
                        LongSupplier wallMillis, ObjDoubleConsumer<RequestOutcome> costed) {
    this.usage = usage;
    this.providers = providers;
    this.promptTokens = promptTokens;
    this.wallMillis = wallMillis;
    this.costed = costed;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    if (outcome.request() != null) {
      LedgerRow row = row(outcome);
      usage.record(row, outcome.request());
      costed.accept(outcome, row.cost());
    }
  }

  /**
   * The ledger row of a finished request. Usage is the provider's own count; a reply without one (a stream cut short,
   * a provider that does not report usage on streams) is counted with the tokenizer (prompt) and the events the
   * client received (completion, about one token each), and marked estimated.
   */
  LedgerRow row(RequestOutcome o) {
    GatewayRequest request = o.request();
    long latencyMillis = o.durationNanos() / 1_000_000;
    if (o.cacheHit()) {
      // A hit costs nothing: the tokens it saved are recorded, at zero cost.
      Usage saved = o.cachedUsage() == null ? Usage.NONE : o.cachedUsage();
      return new LedgerRow(wallMillis.getAsLong(), o.requestId(), request.clientKey(), "cache", request.model(),
          saved.promptTokens(), saved.completionTokens(), saved.cachedTokens(), 0, latencyMillis, -1, o.status(),
          true, "", false, o.endUser());
    }
    boolean served = o.provider() != null && o.status() >= 200 && o.status() < 300;
    Usage spent = o.usage();
    boolean estimated = served && spent.isEmpty() && !o.degraded() && (o.eventsWritten() > 0
        || request.endpoint() != Endpoint.SPEECH && request.endpoint() != Endpoint.IMAGES);
    if (estimated) {
      long prompt = promptTokens.applyAsLong(request);
      long completion = Math.max(0, o.eventsWritten() - 2);
      spent = new Usage(prompt, completion, prompt + completion, 0);
    }
    double cost = served && !o.degraded() ? cost(request, o.provider(), o.upstreamModel(), spent) : 0;
    for (dev.switchboard.api.AbandonedAttempt a : o.abandoned()) {
      // A hedge loser's tokens were spent too: its prompt (tokenizer) and content, at its own model's price.
      long prompt = promptTokens.applyAsLong(request);
      long completion = (a.contentChars() + 3) / 4;
      Usage lost = new Usage(prompt, completion, prompt + completion, 0);
      Provider p = providers.get(a.provider());
      double lostCost = p == null ? 0 : Costs.of(lost, p.config().price(a.model()));
      usage.abandoned(a.provider(), a.why(), lost.totalTokens(), lostCost);
      spent = new Usage(spent.promptTokens() + prompt, spent.completionTokens() + completion,
          spent.totalTokens() + prompt + completion, spent.cachedTokens());
      cost += lostCost;
      estimated = true;
    }
    long ttft = o.firstTokenNanos() > 0 ? (o.firstTokenNanos() - o.startNanos()) / 1_000_000 : -1;
    return new LedgerRow(wallMillis.getAsLong(), o.requestId(), request.clientKey(), o.provider(),
        o.upstreamModel() != null ? o.upstreamModel() : request.model(), spent.promptTokens(),
        spent.completionTokens(), spent.cachedTokens(), cost, latencyMillis, ttft, o.status(), false,
        attempts(o.attempts()), estimated, o.endUser());
  }

  /** The attempts as x-switchboard-attempts writes them; most requests had one, which needs no joining. */
  private static String attempts(java.util.List<String> attempts) {
    return attempts.size() == 1 ? attempts.get(0) : String.join(",", attempts);
  }

  private double cost(GatewayRequest request, String providerId, String upstreamModel, Usage spent) {
    Provider provider = providers.get(providerId);
    if (provider == null || upstreamModel == null) {
      return 0;
    }
    ModelPrice price = provider.config().price(upstreamModel);
    return Costs.of(spent, price) + UnitCost.of(request, price);
  }
}
