package dev.switchboard.health;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Keeps {@link UptimeHistory} and its {@link UptimeStore}: loads the last month's transitions at start, hears every
 * health transition on {@value ProviderHealths#ADDRESS} and writes it on a worker thread. A start and a clean stop
 * each write an {@code unknown} mark for every provider, so the time the gateway was not running counts neither as up
 * nor as down (after a crash, the last state runs on until the restart's mark).
 */
public final class UptimeVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(UptimeVerticle.class.getName());

  private final UptimeHistory history;
  private final List<String> providers;
  private final Path dir;
  private Future<UptimeStore> store;

  /** @param dir the data directory, or null for no persistence */
  public UptimeVerticle(UptimeHistory history, List<String> providers, Path dir) {
    this.history = history;
    this.providers = List.copyOf(providers);
    this.dir = dir;
  }

  @Override
  public Future<?> start() {
    long now = history.clock().millis();
    // Heard from now on; written once the store is open (executeBlocking keeps this context's tasks in order).
    vertx.eventBus().<JsonObject>consumer(ProviderHealths.ADDRESS, msg -> {
      JsonObject t = msg.body();
      String provider = t.getString("provider");
      long at = t.getLong("at", history.clock().millis());
      history.record(provider, at, t.getString("to"));
      write(List.of(new UptimeStore.Row(provider, at, t.getString("to"))));
    });
    store = vertx.executeBlocking(() -> {
      UptimeStore s = UptimeStore.open(dir);
      for (UptimeStore.Row r : s.loadSince(now - Duration.ofDays(UptimeHistory.KEEP_DAYS).toMillis())) {
        history.record(r.provider(), r.atMillis(), r.state());
      }
      s.insert(marks(now));
      return s;
    });
    providers.forEach(p -> history.record(p, now, "unknown"));
    return store.recover(err -> Future.failedFuture(new IllegalStateException("cannot open the uptime history"
        + (dir == null ? "" : " in " + dir.toAbsolutePath() + " (usage.data_dir)") + ": " + err.getMessage(), err)));
  }

  private List<UptimeStore.Row> marks(long at) {
    List<UptimeStore.Row> rows = new ArrayList<>();
    providers.forEach(p -> rows.add(new UptimeStore.Row(p, at, "unknown")));
    return rows;
  }

  private void write(List<UptimeStore.Row> rows) {
    store.compose(s -> vertx.executeBlocking(() -> {
      s.insert(rows);
      return null;
    })).onFailure(err -> LOG.warning("uptime history: could not write a transition: " + err.getMessage()));
  }

  @Override
  public Future<?> stop() {
    long now = history.clock().millis();
    return store.compose(s -> vertx.executeBlocking(() -> {
      try (s) {
        s.insert(marks(now));
      }
      return null;
    })).otherwiseEmpty();
  }
}
