package dev.switchboard.config;

import java.time.Duration;

/**
 * The {@code config:} section: how the running gateway takes config changes.
 *
 * @param watch reload when the config file changes (besides SIGHUP and {@code POST /admin/config/reload})
 * @param watchDebounce quiet time after the last change of the file before the reload, so an editor's several writes
 *                      make one reload
 * @param overlay the local file of runtime changes made through the admin API; null means {@code overlay.json} in
 *                {@code usage.data_dir}. Not used when Redis is configured: the shared store holds the changes then.
 */
public record ReloadConfig(boolean watch, Duration watchDebounce, String overlay) {
  public static final ReloadConfig DEFAULTS = new ReloadConfig(false, Duration.ofMillis(500), null);

  /** The overlay file: the configured path, or {@code overlay.json} beside the ledger. */
  public String overlayFile(UsageConfig usage) {
    return overlay != null ? overlay : java.nio.file.Path.of(usage.dataDir(), "overlay.json").toString();
  }

  static ReloadConfig parse(ConfigNode n) {
    boolean watch = n.bool("watch", DEFAULTS.watch());
    Duration debounce = n.duration("watch_debounce", DEFAULTS.watchDebounce());
    if (debounce.isZero() || debounce.isNegative()) {
      n.problem("watch_debounce", "must be more than 0 (e.g. 500ms)");
    }
    String overlay = n.string("overlay", null);
    if (overlay != null && overlay.isBlank()) {
      n.problem("overlay", "must be a file path, or left out for overlay.json in usage.data_dir");
      overlay = null;
    }
    n.rejectUnknown();
    return new ReloadConfig(watch, debounce, overlay == null ? null : overlay.trim());
  }
}
