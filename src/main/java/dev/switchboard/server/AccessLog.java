package dev.switchboard.server;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One JSON line per client request: who, what, where it went, how it ended. Never a body, never a key. */
public final class AccessLog implements FinishListener {
  private static final Logger LOG = Logger.getLogger("switchboard.access");
  private final boolean enabled;

  public AccessLog(boolean enabled) {
    this.enabled = enabled;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    if (!enabled || !LOG.isLoggable(Level.INFO)) {
      return;
    }
    long startNanos = outcome.startNanos();
    GatewayRequest req = outcome.request();
    JsonObject line = new JsonObject()
        .put("ts", Instant.now().toString())
        .put("type", "access")
        .put("request_id", outcome.requestId())
        .put("method", outcome.method())
        .put("path", outcome.path())
        .put("status", outcome.status())
        .put("outcome", outcome.outcomeLabel())
        .put("duration_ms", round((outcome.endNanos() - startNanos) / 1e6));
    if (req != null) {
      line.put("client", req.clientKey()).put("model", req.model()).put("stream", req.stream())
          .put("cache", outcome.cacheStatus().toLowerCase(java.util.Locale.ROOT));
    }
    if (outcome.provider() != null) {
      line.put("provider", outcome.provider()).put("upstream_model", outcome.upstreamModel());
    }
    if (!outcome.attempts().isEmpty()) {
      line.put("attempts", String.join(",", outcome.attempts()));
    }
    if (outcome.firstTokenNanos() > 0) {
      line.put("ttft_ms", round((outcome.firstTokenNanos() - startNanos) / 1e6));
    }
    Usage u = outcome.usage();
    if (!u.isEmpty()) {
      line.put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens());
    }
    if (outcome.cacheHit()) {
      // Answered from the cache: nothing spent; these are the tokens the original outcome used.
      Usage saved = outcome.cachedUsage();
      line.put("saved_prompt_tokens", saved.promptTokens()).put("saved_completion_tokens", saved.completionTokens());
    }
    if (outcome.degraded()) {
      line.put("degraded", true);
    }
    if (outcome.error() != null) {
      line.put("error_code", outcome.error().code());
    }
    LOG.info(line.encode());
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
