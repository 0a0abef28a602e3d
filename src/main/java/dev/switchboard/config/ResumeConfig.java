package dev.switchboard.config;

/**
 * Mid-stream resume: a chat stream cut after its commit point (upstream reset, idle timeout, in-band provider error)
 * is continued on another candidate, asked to go on from the text already delivered, and spliced into the same
 * client stream.
 *
 * @param enabled resume streams by default (an alias's {@code models.X.resume} overrides it)
 * @param max resumes one request may have
 */
public record ResumeConfig(boolean enabled, int max) {
  public static final ResumeConfig DEFAULT = new ResumeConfig(false, 1);

  static ResumeConfig parse(ConfigNode n) {
    ResumeConfig c = new ResumeConfig(n.bool("enabled", DEFAULT.enabled()), (int) n.integer("max", DEFAULT.max(), 1, 10));
    n.rejectUnknown();
    return c;
  }
}
