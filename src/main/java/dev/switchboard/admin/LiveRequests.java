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
      attempts = new java.util.ArrayList<>(attempts);
      long each = promptTokens.applyAsLong(o.request());
      for (dev.switchboard.api.AbandonedAttempt a : o.abandoned()) {
        long tokens = each + (a.contentChars() + 3) / 4;
        prompt += each;
        completion += (a.contentChars() + 3) / 4;
        String label = a.provider() + ":" + a.why();
        int at = attempts.indexOf(label);
        String shown = label + " (~" + tokens + " tokens billed)";
        if (at >= 0) {
          attempts.set(at, shown);
        } else {
          attempts.add(shown);
        }
      }
    }
    live.requestFinished(o.requestId(), o.request() == null ? null : o.request().model(), o.provider(), o.status(),
        o.outcomeLabel(), attempts, o.request() != null && o.request().stream(), o.durationNanos(), o.ttftNanos(),
        prompt, completion, o.degraded());
  }
}
