package dev.switchboard.admin;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;

/**
 * Every finished request goes to the live event stream: always, not only while someone watches, so the dashboard's
 * rolling windows are full when one connects (summaries go out only while watched).
 */
public final class LiveRequests implements FinishListener {
  private final LiveEvents live;
  /** The prompt's tokens by the tokenizer: what a cancelled attempt (a hedge loser) is estimated to have spent. */
  private final java.util.function.ToLongFunction<dev.switchboard.api.GatewayRequest> promptTokens;

  public LiveRequests(LiveEvents live) {
    this(live, r -> 0);
  }

  public LiveRequests(LiveEvents live, java.util.function.ToLongFunction<dev.switchboard.api.GatewayRequest> prompt) {
    this.live = live;
    this.promptTokens = prompt;
  }

  @Override
  public void finished(RequestOutcome o) {
    Usage u = o.usage();
    java.util.List<String> attempts = o.attempts();
    long prompt = u.promptTokens();
    long completion = u.completionTokens();
    if (!o.abandoned().isEmpty() && o.request() != null) {
      // The dashboard's request list shows what a hedge loser spent, estimated as the ledger books it.
      long each = promptTokens.applyAsLong(o.request());
      attempts = attemptsShown(attempts, o.abandoned(), each);
      for (dev.switchboard.api.AbandonedAttempt a : o.abandoned()) {
        prompt += each;
        completion += (a.contentChars() + 3) / 4;
      }
    }
    live.requestFinished(o.requestId(), o.request() == null ? null : o.request().model(), o.provider(), o.status(),
        o.outcomeLabel(), attempts, o.request() != null && o.request().stream(), o.durationNanos(), o.ttftNanos(),
        prompt, completion, o.degraded());
  }

  /** The attempts as the dashboard lists them: an abandoned one's entry says the tokens it is estimated to have cost. */
  static java.util.List<String> attemptsShown(java.util.List<String> attempts,
                                               java.util.List<dev.switchboard.api.AbandonedAttempt> abandoned,
                                               long promptTokens) {
    java.util.List<String> shown = new java.util.ArrayList<>(attempts);
    for (dev.switchboard.api.AbandonedAttempt a : abandoned) {
      String label = a.provider() + ":" + a.why();
      String text = label + " (~" + (promptTokens + (a.contentChars() + 3) / 4) + " tokens billed)";
      int at = shown.indexOf(label);
      if (at >= 0) {
        shown.set(at, text);
      } else {
        shown.add(text);
      }
    }
    return shown;
  }
}
