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

  public LiveRequests(LiveEvents live) {
    this.live = live;
  }

  @Override
  public void finished(RequestOutcome o) {
    Usage u = o.usage();
    live.requestFinished(o.requestId(), o.request() == null ? null : o.request().model(), o.provider(), o.status(),
        o.outcomeLabel(), o.attempts(), o.request() != null && o.request().stream(), o.durationNanos(), o.ttftNanos(),
        u.promptTokens(), u.completionTokens(), o.degraded());
  }
}
