package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Keeps this instance's created keys equal to the shared store's: keys created elsewhere are added, keys revoked
 * elsewhere removed (config keys are never touched). Runs on every key change any instance announces and
 * periodically as the safety net; lookups stay one map read on the hot path. A read that raced with a local
 * change (the admin API on this instance) is discarded and read again, so it never undoes a newer change.
 */
final class KeySync {
  private static final Logger LOG = Logger.getLogger(KeySync.class.getName());

  private final UsageService usage;
  private final LedgerStore store;
  private boolean running;
  private boolean again;

  KeySync(UsageService usage, LedgerStore store) {
    this.usage = usage;
    this.store = store;
  }

  /** Reloads the keys; a call while one runs makes it run once more afterwards. Call on one context only. */
  Future<Void> reload() {
    if (running) {
      again = true;
      return Future.succeededFuture();
    }
    running = true;
    long generation = usage.keys().generation();
    return store.keys().map(stored -> {
      if (usage.keys().generation() == generation) {
        apply(stored);
      } else {
        again = true;
      }
      return (Void) null;
    }).onFailure(err -> LOG.fine(() -> "usage store: could not reload keys: " + err.getMessage()))
        .eventually(() -> {
          running = false;
          if (again) {
            again = false;
            return reload();
          }
          return Future.succeededFuture();
        });
  }

  private void apply(List<JsonObject> stored) {
    ClientKeys keys = usage.keys();
    Set<String> names = new HashSet<>();
    for (JsonObject k : stored) {
      String name = k.getString("name");
      names.add(name);
      ClientKeys.Entry current = keys.byName(name);
      if (current == null || !current.fromConfig() && !current.hash().equals(k.getString("hash"))) {
        var config = ClientKeys.fromSpec(name, k.getJsonObject("spec"));
        if (current != null) {
          keys.remove(name);
        }
        keys.add(new ClientKeys.Entry(config, k.getString("hash"), false, k.getLong("created")));
        usage.registerGauges("key", name, config.budget());
      }
    }
    for (ClientKeys.Entry e : List.copyOf(keys.all())) {
      if (!e.fromConfig() && !names.contains(e.config().name())) {
        keys.remove(e.config().name());
        usage.unregisterGauges("key", e.config().name());
        LOG.info("usage store: key " + e.config().name() + " was revoked on another instance");
      }
    }
  }
}
