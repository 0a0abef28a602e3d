package dev.switchboard.admin;

import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.LiveConfig;
import dev.switchboard.config.LoggingConfig;
import dev.switchboard.config.ServerConfig;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.usage.ClientKeys;
import dev.switchboard.usage.UsageService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * Changes the running gateway's providers and model aliases without a restart: a reload of the config file, or a
 * runtime change to the overlay (see {@link ConfigOverlay}). Either way the whole new config (file + overlay) is
 * parsed and validated by {@link ConfigLoader} first; an invalid one changes nothing and its problems, each with its
 * field path, are logged, counted and answered. A valid one is applied by swapping the provider map and the route
 * table (each one volatile write): requests that started keep the routes and providers they resolved, to their end
 * (open streams included); new requests see the new ones. State keyed by provider id (circuit, health, stats,
 * buckets, spend) carries over; a removed provider's is released once its last requests can have finished.
 *
 * <p>The sections a running gateway applies are {@code providers}, {@code models}, {@code routing}, {@code auth.keys},
 * the rate limits and {@code logging.level} (see {@link ReloadScope}); a change to the server's host, port,
 * instances or transport is refused as needing a restart, and changes to other sections are reported as taking
 * effect at the next restart. Operations run one at a time, in the order they were asked for.
 * Thread-safe.
 */
public final class ConfigReloads {
  private static final Logger LOG = Logger.getLogger(ConfigReloads.class.getName());

  /** The running config: the validated result, the file's raw tree it came from, and the overlay merged over it. */
  private record Current(SwitchboardConfig config, JsonObject base, JsonObject overlay) {
    JsonObject merged() {
      return ConfigOverlay.merge(base, overlay);
    }
  }

  /** What a reload or change did. {@code result}: applied, unchanged, invalid or failed. */
  public record Outcome(String result, List<String> problems, ProviderRegistry.Changes changes,
                        List<String> modelsChanged, List<String> notApplied, long swapNanos,
                        List<String> sectionsApplied) {
    static Outcome refused(String result, List<String> problems) {
      return new Outcome(result, problems, null, List.of(), List.of(), 0, List.of());
    }

    public boolean ok() {
      return result.equals("applied") || result.equals("unchanged");
    }

    public JsonObject toJson() {
      JsonObject o = new JsonObject().put("result", result);
      if (!problems.isEmpty()) {
        o.put("problems", new JsonArray(problems));
      }
      if (changes != null) {
        o.put("providers", changes.toJson());
        o.put("models", new JsonArray(modelsChanged));
        if (!sectionsApplied.isEmpty()) {
          o.put("sections", new JsonArray(sectionsApplied));
        }
        // How long the swap itself held nothing up for: requests are never paused, this is its whole cost.
        o.put("swap_micros", swapNanos / 1_000);
      }
      if (!notApplied.isEmpty()) {
        o.put("not_applied", new JsonArray(notApplied));
      }
      return o;
    }
  }

  /** The services a config change reaches. */
  public record Targets(ProviderRegistry providers, ProviderGuards guards, ProviderHealths health,
                        ModelCatalog catalog, UsageService usage, RateLimiter limiter, GatewayMetrics metrics,
                        LiveConfig live, ClientKeys keys, Consumer<LoggingConfig> logging) {
  }

  private final Vertx vertx;
  private final Path file;
  private final Map<String, String> env;
  private final OverlayStore store;
  private final Targets targets;
  private final AuditTrail audit;
  /** The config the gateway started with: the sections it does not apply at runtime stay as they were. */
  private final SwitchboardConfig started;
  private final long releaseAfterMillis;
  private final AtomicReference<Current> current;
  private Future<Void> queue = Future.succeededFuture();

  /**
   * @param file the config file reloads read; null when the gateway was started from a config in memory (then
   *             nothing can be reloaded or changed)
   * @param base the file's raw tree the running config came from, and {@code overlay} the overlay merged over it
   */
  public ConfigReloads(Vertx vertx, Path file, Map<String, String> env, OverlayStore store, Targets targets,
                       AuditTrail audit, SwitchboardConfig running, JsonObject base, JsonObject overlay) {
    this.vertx = vertx;
    this.file = file;
    this.env = env;
    this.store = store;
    this.targets = targets;
    this.audit = audit;
    this.started = running;
    // Every request that resolved a route before the change has ended by then: the request deadline plus slack.
    this.releaseAfterMillis = running.routing().requestTimeout().toMillis() + 60_000;
    this.current = new AtomicReference<>(new Current(running, base, overlay));
  }

  /**
   * The config to start with: the file's, with the stored overlay merged over it. An overlay the file no longer
   * accepts (it names a provider the file removed, say) is logged and left out, so a restart never fails on it.
   */
  public static Future<JsonObject> startingOverlay(OverlayStore store, JsonObject base, Map<String, String> env) {
    return store.load().map(overlay -> {
      if (overlay.isEmpty()) {
        return overlay;
      }
      try {
        ConfigLoader.parse(ConfigOverlay.merge(base, overlay), env);
        LOG.info("config: runtime changes from " + store.describe() + " applied over the file");
        return overlay;
      } catch (ConfigException e) {
        LOG.warning("config: the runtime changes in " + store.describe() + " do not fit the config file any more "
            + "and are ignored until fixed: " + String.join("; ", e.problems()));
        return new JsonObject();
      }
    }).recover(err -> {
      LOG.warning("config: could not read runtime changes from " + store.describe() + ": " + err.getMessage());
      return Future.succeededFuture(new JsonObject());
    });
  }

  public OverlayStore store() {
    return store;
  }

  /** The config file reloads read, or null. */
  public Path file() {
    return file;
  }

  public boolean reloadable() {
    return file != null;
  }

  /** Re-reads the config file and the stored overlay, validates both together and applies the result. */
  public Future<Outcome> reload(String who) {
    return serially(() -> {
      if (file == null) {
        return Future.succeededFuture(Outcome.refused("failed", List.of("the gateway was started from a config in "
            + "memory, not a file: there is nothing to reload")));
      }
      Future<io.vertx.core.buffer.Buffer> text = vertx.fileSystem().readFile(file.toString());
      Future<JsonObject> overlay = store.load();
      // Parsing and validating is CPU work of a few milliseconds: on a worker, so no event loop pauses for it.
      return Future.all(text, overlay).compose(v -> vertx.executeBlocking(() ->
              apply(ConfigLoader.tree(text.result().toString(), file.toString()), overlay.result()), false))
          .recover(err -> Future.succeededFuture(Outcome.refused(err instanceof ConfigException ? "invalid"
              : "failed", err instanceof ConfigException ce ? ce.problems()
              : List.of(String.valueOf(err.getMessage())))))
          .map(outcome -> audited(who, "config.reload", null, outcome, null));
    });
  }

  /**
   * Edits the overlay with {@code edit} (given the current overlay and the file's tree), validates the result with
   * the file, stores it and applies it. Invalid: nothing is stored or changed.
   */
  public Future<Outcome> change(String who, String action, String target, JsonObject detail,
                                java.util.function.BinaryOperator<JsonObject> edit) {
    return serially(() -> {
      Current now = current.get();
      if (now.base() == null) {
        return Future.succeededFuture(Outcome.refused("failed", List.of("the gateway was started from a config in "
            + "memory, not a file: runtime changes need a config file")));
      }
      List<String> problems = new ArrayList<>();
      // Checked first against what this instance runs, so a bad change is a 400 naming its field even while a shared
      // store is away; then made by the store's update to what is stored now (with a shared store, another
      // instance's latest change included) and checked again there, so an invalid overlay is never stored.
      return validated(now.base(), edit.apply(now.overlay(), now.base()), problems)
          .compose(checked -> store.update(now.overlay(), stored -> validated(now.base(), edit.apply(stored,
              now.base()), problems)))
          .compose(overlay -> vertx.executeBlocking(() -> apply(now.base(), overlay), false))
          .recover(err -> Future.succeededFuture(!problems.isEmpty() ? Outcome.refused("invalid", problems)
              : Outcome.refused("failed", List.of("could not store the change in " + store.describe() + ": "
              + err.getMessage()))))
          .map(outcome -> audited(who, action, target, outcome, detail));
    });
  }

  /** {@code overlay} once the file with it over it parses; else failed, with the problems added to {@code problems}. */
  private Future<JsonObject> validated(JsonObject base, JsonObject overlay, List<String> problems) {
    return vertx.executeBlocking(() -> {
      try {
        ConfigLoader.parse(ConfigOverlay.merge(base, overlay), env);
      } catch (ConfigException e) {
        problems.addAll(e.problems());
        throw e;
      }
      return overlay;
    }, false);
  }

  /** The raw entry {@code section.name} of the running config (file + overlay), or null. */
  public JsonObject entry(String section, String name) {
    Current now = current.get();
    if (now.base() == null) {
      return null;
    }
    JsonObject e = ConfigOverlay.entry(now.merged(), section, name);
    return e == null ? null : e.copy();
  }

  /** {@code GET /admin/config}: the running config with credentials redacted, and where each value came from. */
  public JsonObject describe() {
    Current now = current.get();
    JsonObject o = new JsonObject().put("file", file == null ? null : file.toString())
        .put("overlay_store", store.describe());
    if (now.base() == null) {
      return o.put("note", "started from a config in memory: no file to show");
    }
    JsonObject merged = now.merged();
    o.put("config", ConfigRedaction.redact(merged))
        .put("sources", new JsonObject(new java.util.LinkedHashMap<>(ConfigOverlay.sources(now.base(),
            now.overlay(), merged))))
        .put("overlay", ConfigRedaction.redact(now.overlay()));
    // Second net: a credential in a field whose name does not say so (a custom header) is still removed by value.
    return new JsonObject(targets.providers().secrets().scrub(o.encode()));
  }

  private Outcome audited(String who, String action, String target, Outcome outcome, JsonObject detail) {
    targets.metrics().configReload(outcome.result());
    JsonObject d = detail == null ? new JsonObject() : detail.copy();
    if (!outcome.problems().isEmpty()) {
      d.put("problems", new JsonArray(outcome.problems()));
    }
    if (outcome.changes() != null && outcome.changes().any()) {
      d.put("providers", outcome.changes().toJson());
    }
    if (!outcome.modelsChanged().isEmpty()) {
      d.put("models", new JsonArray(outcome.modelsChanged()));
    }
    if (!outcome.ok()) {
      LOG.warning("config: " + action + " by " + who + " " + outcome.result() + ", the running config is kept: "
          + String.join("; ", outcome.problems()));
    }
    audit.record(who, action, target, outcome.result(), d);
    return outcome;
  }

  /** Validates {@code base} + {@code overlay} and swaps it in; serialised by {@link #serially}. */
  private Outcome apply(JsonObject base, JsonObject overlay) {
    SwitchboardConfig next;
    try {
      next = ConfigLoader.parse(ConfigOverlay.merge(base, overlay), env);
    } catch (ConfigException e) {
      return Outcome.refused("invalid", e.problems());
    }
    List<String> restart = restartNeeded(started.server(), next.server());
    if (!restart.isEmpty()) {
      return Outcome.refused("invalid", restart);
    }
    Current before = current.get();
    List<String> models = modelsChanged(before.config(), next);
    List<String> sections = ReloadScope.applied(before.config(), next);
    long swapStart = System.nanoTime();
    ProviderRegistry.Changes changes = targets.providers().apply(next);
    targets.guards().reconcile(targets.providers(), changes);
    targets.health().reconcile(targets.providers(), changes);
    for (String id : changes.added()) {
      Provider p = targets.providers().get(id);
      targets.usage().registerGauges("provider", id, p.config().budget());
    }
    // A changed budget's gauge is registered again against the new limit; a removed provider's goes.
    for (String id : changes.changed()) {
      Provider p = targets.providers().get(id);
      targets.usage().registerGauges("provider", id, p.config().budget());
    }
    for (String id : changes.removed()) {
      targets.usage().unregisterGauges("provider", id);
    }
    targets.limiter().providerLimits(targets.providers().all().stream().anyMatch(p -> p.config().limits().limited()
        || !p.config().modelLimits().isEmpty()));
    // The sections read per request (routing, rate limits): one write; requests that started keep what they read.
    targets.live().set(next);
    List<String> keys = targets.keys().reconcile(next.auth().keys());
    if (!before.config().logging().level().equals(next.logging().level())) {
      targets.logging().accept(next.logging());
    }
    // Last: only now do new requests reach new providers, whose guards and health exist by now.
    targets.catalog().rebuild(next);
    current.set(new Current(next, base, overlay));
    long swapNanos = System.nanoTime() - swapStart;
    if (changes.any()) {
      vertx.eventBus().publish(ProviderRegistry.CHANGED_ADDRESS, changes.toJson());
    }
    for (String id : changes.removed()) {
      LOG.info("config: provider " + id + " removed; requests already on it finish there");
      vertx.setTimer(releaseAfterMillis, t -> {
        if (targets.providers().get(id) == null) {
          targets.guards().release(id);
          targets.health().release(id);
        }
      });
    }
    List<String> notApplied = ReloadScope.restartNeeded(started, next);
    boolean any = changes.any() || !models.isEmpty() || !sections.isEmpty();
    if (any) {
      // Key names only: a key's secret never reaches the log.
      LOG.info("config: applied; providers " + changes.toJson().encode() + ", models " + models + ", sections "
          + sections + (keys.isEmpty() ? "" : ", client keys " + keys)
          + (notApplied.isEmpty() ? "" : "; not applied until a restart: " + notApplied));
    }
    return new Outcome(any ? "applied" : "unchanged", List.of(), changes, models, notApplied, swapNanos, sections);
  }

  /** What the running server cannot change under its open connections. */
  static List<String> restartNeeded(ServerConfig running, ServerConfig next) {
    List<String> out = new ArrayList<>();
    if (!running.host().equals(next.host())) {
      out.add("server.host: changing it needs a restart (running on " + running.host() + ", the config says "
          + next.host() + ")");
    }
    if (running.port() != next.port() && next.port() != 0) {
      out.add("server.port: changing it needs a restart (running on " + running.port() + ", the config says "
          + next.port() + ")");
    }
    if (running.instances() != next.instances()) {
      out.add("server.instances: changing it needs a restart");
    }
    if (!running.transport().equals(next.transport())) {
      out.add("server.transport: changing it needs a restart");
    }
    return out;
  }

  private static List<String> modelsChanged(SwitchboardConfig before, SwitchboardConfig next) {
    List<String> out = new ArrayList<>();
    next.models().forEach((name, m) -> {
      if (!m.equals(before.models().get(name))) {
        out.add(name);
      }
    });
    before.models().keySet().forEach(name -> {
      if (!next.models().containsKey(name)) {
        out.add(name);
      }
    });
    return out;
  }

  /** Runs {@code op} after every operation asked for before it has finished. */
  private synchronized <T> Future<T> serially(Supplier<Future<T>> op) {
    Promise<T> done = Promise.promise();
    queue = queue.transform(ignored -> {
      Future<T> f;
      try {
        f = op.get();
      } catch (RuntimeException e) {
        LOG.log(java.util.logging.Level.WARNING, "config change failed", e);
        f = Future.failedFuture(e);
      }
      f.onComplete(done);
      return f.transform(ar -> Future.<Void>succeededFuture());
    });
    return done.future();
  }
}
