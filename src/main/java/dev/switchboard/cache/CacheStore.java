package dev.switchboard.cache;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;

/**
 * Stores a finished reply the {@link CacheStage} recorded. The recording reaches it on the outcome, as the reply's
 * tap: the stage and this listener share no per-request state of their own.
 */
public final class CacheStore implements FinishListener {
  private final ResponseCache cache;

  public CacheStore(ResponseCache cache) {
    this.cache = cache;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    Recorder recorder = outcome.tap() == null ? null : outcome.tap().find(Recorder.class);
    if (recorder != null) {
      cache.store(recorder, outcome);
    }
  }
}
