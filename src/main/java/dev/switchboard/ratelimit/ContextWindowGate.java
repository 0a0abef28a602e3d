package dev.switchboard.ratelimit;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.routing.CandidateGate;
import dev.switchboard.routing.Target;

import java.util.List;

/**
 * Skips a target whose configured {@code context_window} is smaller than the request needs — its prompt's token
 * estimate ({@link TokenEstimator}) plus the completion it asks room for ({@code max_completion_tokens} /
 * {@code max_tokens}) — before anything is sent, instead of learning it from a {@code context_length_exceeded}. A
 * target without a configured window is never skipped. When no target is left the client gets OpenAI's 400
 * {@code context_length_exceeded}.
 *
 * <p>Thread-safe: the prompt is counted once per request on the selecting event loop, remembered (by request id, so no
 * body is kept alive) in a per-thread slot for the next targets of the same request; selection is synchronous, so the
 * slot never mixes two requests.
 */
public final class ContextWindowGate implements CandidateGate {
  /** The tokens a chat prompt counts beyond its messages' own bytes: the reply's priming (see TokenEstimator). */
  private static final int PRIMING_TOKENS = 3;
  private final TokenEstimator estimator;
  private final ThreadLocal<Need> last = new ThreadLocal<>();

  public ContextWindowGate(TokenEstimator estimator) {
    this.estimator = estimator;
  }

  /** The tokens one request needs: its prompt's estimate and the completion room it asks for. */
  private record Need(String requestId, long prompt, long completion) {
    long total() {
      return prompt + completion;
    }
  }

  @Override
  public String refuse(Target target, GatewayRequest request, long nowNanos) {
    if (target.contextWindow() <= 0 || !sized(request.endpoint())) {
      return null;
    }
    if (request.rawBody() != null
        && request.rawBody().length() + PRIMING_TOKENS + completion(request) <= target.contextWindow()) {
      // Every token of the prompt is at least one byte of the body, so a body this short fits without counting:
      // the tokenizer (a sixth of a request's CPU) runs only for prompts near a window.
      return null;
    }
    Need need = need(request);
    if (need.total() <= target.contextWindow()) {
      return null;
    }
    return "context window " + target.contextWindow() + " tokens, this request needs about " + need.total();
  }

  @Override
  public ApiError noneLeft(GatewayRequest request, List<String> refused) {
    Need need = need(request);
    String room = need.completion > 0 ? " (prompt about " + need.prompt + " + " + need.completion + " for the "
        + "completion)" : "";
    return new ApiError(400, ApiError.INVALID_REQUEST, "This request needs about " + need.total() + " tokens" + room
        + ", more than the context window of every provider of model '" + request.model() + "': "
        + String.join("; ", refused) + ". Shorten the messages or lower max_tokens.", "messages",
        "context_length_exceeded");
  }

  private static boolean sized(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT || endpoint == Endpoint.COMPLETIONS || endpoint == Endpoint.EMBEDDINGS;
  }

  private Need need(GatewayRequest request) {
    Need need = last.get();
    if (need != null && need.requestId.equals(request.requestId())) {
      return need;
    }
    need = new Need(request.requestId(), estimator.promptTokens(request), completion(request));
    last.set(need);
    return need;
  }

  /** The completion room the request asks for ({@code max_completion_tokens}, else {@code max_tokens}), or 0. */
  private static long completion(GatewayRequest request) {
    Object max = request.body().getValue("max_completion_tokens");
    if (!(max instanceof Number)) {
      max = request.body().getValue("max_tokens");
    }
    return max instanceof Number n ? Math.max(0, n.longValue()) : 0;
  }
}
