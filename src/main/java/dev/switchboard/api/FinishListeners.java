package dev.switchboard.api;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The launcher's one list of finish listeners, told in order. A listener that throws does not starve the rest. */
public final class FinishListeners implements FinishListener {
  private static final Logger LOG = Logger.getLogger(FinishListeners.class.getName());
  private final FinishListener[] listeners;

  public FinishListeners(List<FinishListener> listeners) {
    this.listeners = listeners.toArray(new FinishListener[0]);
  }

  @Override
  public void finished(RequestOutcome outcome) {
    for (FinishListener listener : listeners) {
      try {
        listener.finished(outcome);
      } catch (RuntimeException e) {
        try (var scope = LogScope.request(outcome.requestId(), null)) {
          LOG.log(Level.SEVERE, listener.getClass().getSimpleName() + " failed for request " + outcome.requestId(), e);
        }
      }
    }
  }
}
