package dev.switchboard;

import dev.switchboard.admin.ConfigReloads;
import dev.switchboard.admin.ConfigWatch;
import dev.switchboard.admin.OverlayFile;
import dev.switchboard.admin.OverlayStore;
import dev.switchboard.admin.PostgresOverlay;
import dev.switchboard.admin.RedisOverlay;
import dev.switchboard.config.RedisUrls;
import dev.switchboard.config.ReloadConfig;
import dev.switchboard.config.SwitchboardConfig;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * What makes the gateway reload its config, and where runtime changes are kept: SIGHUP, the file watcher
 * ({@code config.watch}), and a change another instance announced through the shared store.
 */
final class ReloadTriggers {
  private static final Logger LOG = Logger.getLogger(ReloadTriggers.class.getName());

  private ReloadTriggers() {
  }

  /**
   * The shared PostgreSQL when the usage store is one, else the shared Redis when rate limits use one (every instance
   * then applies a change), else the local file.
   */
  static OverlayStore overlayStore(Vertx vertx, SwitchboardConfig config) {
    if (config.usage().postgresStore()) {
      return new PostgresOverlay(vertx, config.usage().postgres());
    }
    if (config.ratelimit().redis()) {
      return new RedisOverlay(vertx, config.ratelimit().redisUrl(), RedisUrls.redacted(config.ratelimit().redisUrl()));
    }
    return new OverlayFile(vertx, Path.of(config.reload().overlayFile(config.usage())));
  }

  /** Starts the triggers that live as long as the gateway: another instance's change, and the file watcher. */
  static void start(Vertx vertx, ConfigReloads reloads, ReloadConfig config) {
    if (!reloads.reloadable()) {
      // Started from a config in memory (tests, tools): there is no file to merge another instance's change into.
      return;
    }
    reloads.store().onChange(() -> reloads.reload("shared_store"));
    if (config.watch()) {
      new ConfigWatch(vertx, reloads, config.watchDebounce()).start();
    }
  }

  /**
   * {@code kill -HUP <pid>} reloads the config file. sun.misc.Signal is the JDK's only way to catch a signal; where it
   * is missing or HUP cannot be handled (Windows), the admin endpoint and the watcher still reload.
   *
   * <p>A process started with SIGHUP ignored (under {@code nohup}, or by a supervisor that ignores it) keeps ignoring
   * it: the JVM does not install a handler for an ignored shutdown signal, and {@code kill -HUP} then does nothing.
   * That is said at start instead of silently doing nothing.
   *
   * @return whether a SIGHUP now reloads
   */
  static boolean onSighup(ConfigReloads reloads) {
    try {
      sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
        LOG.info("SIGHUP: reloading the config");
        reloads.reload("sighup");
      });
      if (previous == sun.misc.SignalHandler.SIG_IGN) {
        LOG.warning("SIGHUP is ignored by this process (started under nohup?), so kill -HUP will not reload the "
            + "config; reload with POST /admin/config/reload or config.watch");
        return false;
      }
      return true;
    } catch (Throwable e) {
      LOG.info("SIGHUP cannot be handled here (" + e.getMessage() + "); reload with POST /admin/config/reload");
      return false;
    }
  }
}
