package dev.switchboard.logging;

import java.util.logging.LogManager;

/**
 * JUL's own shutdown hook resets every handler, racing the gateway's: the drain's log lines, which reach Logback
 * through the JUL bridge handler, would vanish. This manager ignores that reset; the launcher's shutdown hook resets it
 * (and stops Logback) when the drain is done. Installed through {@code -Djava.util.logging.manager} before the first
 * JUL logger exists.
 */
public final class ShutdownAwareLogManager extends LogManager {
  private static volatile ShutdownAwareLogManager instance;

  public ShutdownAwareLogManager() {
    instance = this;
  }

  @Override
  public void reset() {
    // ignored: see class comment
  }

  static void resetNow() {
    ShutdownAwareLogManager m = instance;
    if (m != null) {
      m.reallyReset();
    }
  }

  private void reallyReset() {
    super.reset();
  }
}
