package dev.switchboard.server;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One JSON line per client request: who, what, where it went, how it ended. Never a body, never a key. */
public final class AccessLog {
  private static final Logger LOG = Logger.getLogger("switchboard.access");
  private final boolean enabled;

  public AccessLog(boolean enabled) {
    this.enabled = enabled;
  }

  public void log(ClientReply reply, String method, String path, long startNanos) {
    if (!enabled || !LOG.isLoggable(Level.INFO)) {
      return;
    }
    GatewayRequest req = reply.gatewayRequest();
    JsonObject line = new JsonObject()
        .put("ts", Instant.now().toString())
        .put("type", "access")
        .put("request_id", reply.requestId())
        .put("method", method)
        .put("path", path)
        .put("status", reply.status())
        .put("outcome", reply.outcome() == null ? null : reply.outcome().name().toLowerCase())
        .put("duration_ms", round((reply.endNanos() - startNanos) / 1e6));
    if (req != null) {
      line.put("client", req.clientKey()).put("model", req.model()).put("stream", req.stream())
          .put("cache", reply.cacheStatus().toLowerCase(java.util.Locale.ROOT));
    }
    if (reply.provider() != null) {
      line.put("provider", reply.provider()).put("upstream_model", reply.upstreamModel());
    }
    if (!reply.attempts().isEmpty()) {
      line.put("attempts", String.join(",", reply.attempts()));
    }
    if (reply.firstTokenNanos() > 0) {
      line.put("ttft_ms", round((reply.firstTokenNanos() - startNanos) / 1e6));
    }
    Usage u = reply.usageReported();
    if (!u.isEmpty()) {
      line.put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens());
    }
    if (reply.cacheHit()) {
      // Answered from the cache: nothing spent; these are the tokens the original reply used.
      Usage saved = reply.cachedUsage();
      line.put("saved_prompt_tokens", saved.promptTokens()).put("saved_completion_tokens", saved.completionTokens());
    }
    if (reply.degraded()) {
      line.put("degraded", true);
    }
    if (reply.error() != null) {
      line.put("error_code", reply.error().code());
    }
    LOG.info(line.encode());
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
