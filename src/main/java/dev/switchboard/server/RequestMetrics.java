package dev.switchboard.server;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import dev.switchboard.metrics.GatewayMetrics;

import java.util.List;

/** A finished request's meters: duration, time to first token, each upstream attempt's result, tokens spent. */
public final class RequestMetrics implements FinishListener {
  private final GatewayMetrics metrics;

  public RequestMetrics(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void finished(RequestOutcome o) {
    String endpoint = o.endpointLabel();
    String provider = o.provider();
    metrics.requestFinished(endpoint, provider, o.status(), o.outcomeLabel(), o.durationNanos());
    if (o.firstTokenNanos() > 0 && provider != null) {
      metrics.timeToFirstToken(endpoint, provider, o.firstTokenNanos() - o.startNanos());
    }
    List<String> attempts = o.attempts();
    for (int i = 0; i < attempts.size(); i++) {
      metrics.upstreamAttempt(attempts.get(i));
    }
    if (provider != null && o.upstreamModel() != null) {
      Usage u = o.usage();
      metrics.tokens(provider, o.upstreamModel(), u.promptTokens(), u.completionTokens(), u.cachedTokens());
    }
  }
}
