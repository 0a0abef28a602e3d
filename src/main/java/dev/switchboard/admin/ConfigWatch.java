package dev.switchboard.admin;

import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code config.watch: true}: reloads when the config file changes. Checks the file's modification time and size
 * once per debounce period (no blocking watch thread; works for editors that replace the file and for mounted
 * volumes, where inotify often does not); a change reloads once the file has stayed the same for a whole period, so
 * an editor's several writes make one reload.
 */
public final class ConfigWatch {
  private final Vertx vertx;
  private final ConfigReloads reloads;
  private final long periodMillis;
  private String seen;
  private boolean pending;

  public ConfigWatch(Vertx vertx, ConfigReloads reloads, Duration debounce) {
    this.vertx = vertx;
    this.reloads = reloads;
    this.periodMillis = Math.max(50, debounce.toMillis());
  }

  public void start() {
    Path file = reloads.file();
    // The baseline is taken before the gateway reports itself started (one stat), not whenever an asynchronous read
    // gets its turn: a change written in between would otherwise become the baseline and never be reloaded.
    try {
      io.vertx.core.file.FileProps props = vertx.fileSystem().propsBlocking(file.toString());
      seen = props.lastModifiedTime() + ":" + props.size();
    } catch (RuntimeException e) {
      seen = "missing";
    }
    vertx.setPeriodic(periodMillis, id -> check(file));
  }

  private void check(Path file) {
    vertx.fileSystem().props(file.toString()).onComplete(ar -> {
      String now = ar.succeeded() ? ar.result().lastModifiedTime() + ":" + ar.result().size() : "missing";
      if (!now.equals(seen)) {
        seen = now;
        pending = true;
      } else if (pending && ar.succeeded()) {
        pending = false;
        reloads.reload("file_watch");
      }
    });
  }
}
