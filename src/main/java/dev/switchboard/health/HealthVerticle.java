package dev.switchboard.health;

import dev.switchboard.config.HealthConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.provider.ProviderStats;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * Probes every watched provider on its own timer and feeds the results to its {@link ProviderHealth}. Probing runs
 * on this verticle's event loop with its own small connection pool, so it never competes with request traffic for
 * pooled connections and never blocks. While a provider is down it is probed every {@code down_interval} so its
 * recovery is noticed quickly; every interval is jittered so several instances do not probe in lock-step.
 *
 * <p>An admin can force a probe: a request on {@value #PROBE_ADDRESS} with the provider id answers with the
 * provider's health after the probe.
 */
public final class HealthVerticle extends VerticleBase {
  public static final String PROBE_ADDRESS = "switchboard.health.probe";
  private static final Logger LOG = Logger.getLogger(HealthVerticle.class.getName());
  private static final int MAX_PROBE_BODY = 64 * 1024;

  private final ProviderRegistry providers;
  private final ProviderHealths healths;
  private final GatewayMetrics metrics;
  private final Map<String, Long> timers = new HashMap<>();
  private final Map<String, Future<Void>> running = new HashMap<>();
  private HttpClient client;
  private boolean stopped;

  public HealthVerticle(ProviderRegistry providers, ProviderHealths healths, GatewayMetrics metrics) {
    this.providers = providers;
    this.healths = healths;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, healths.config().timeout().toMillis()))
            .setKeepAlive(true)
            .setIdleTimeout(60)
            .setTrustAll(false),
        new PoolOptions().setHttp1MaxSize(2));
    vertx.eventBus().<String>consumer(PROBE_ADDRESS, msg -> {
      Provider p = providers.get(msg.body());
      if (p == null || p.isLocal() || !p.enabled()) {
        msg.fail(404, "no probeable provider '" + msg.body() + "'");
        return;
      }
      probeNow(p).onComplete(ar -> msg.reply(describe(p)));
    });
    if (!healths.config().enabled()) {
      return Future.succeededFuture();
    }
    // After a reload: new providers (and ones with a new key or URL) are probed at once; removed ones no more.
    vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(ProviderRegistry.CHANGED_ADDRESS, msg -> {
      msg.body().getJsonArray("removed").forEach(id -> cancel((String) id));
      java.util.List<Object> now = new java.util.ArrayList<>(msg.body().getJsonArray("added").getList());
      now.addAll(msg.body().getJsonArray("changed").getList());
      for (Object id : now) {
        Provider p = providers.get((String) id);
        cancel((String) id);
        if (p != null && healths.watched(p)) {
          schedule(p, 1);
        }
      }
    });
    for (Provider p : providers.all()) {
      if (healths.watched(p)) {
        // The first probe comes soon, spread over a second so many providers do not start at once.
        schedule(p, 100 + ThreadLocalRandom.current().nextLong(1_000));
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    timers.values().forEach(vertx::cancelTimer);
    timers.clear();
    return client.close();
  }

  private void cancel(String providerId) {
    Long timer = timers.remove(providerId);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** Probes the provider's current config each time: a reload may have changed its key or URL, or removed it. */
  private void schedule(Provider scheduled, long delayMillis) {
    if (stopped) {
      return;
    }
    String providerId = scheduled.id();
    timers.put(providerId, vertx.setTimer(Math.max(1, delayMillis), id -> {
      timers.remove(providerId);
      Provider p = providers.get(providerId);
      if (p == null || !healths.watched(p)) {
        return;
      }
      probeNow(p).onComplete(ar -> {
        Provider current = providers.get(providerId);
        if (current != null && !timers.containsKey(providerId)) {
          schedule(current, nextDelay(current));
        }
      });
    }));
  }

  /** The wait before {@code p}'s next probe: shorter while it is down. Package-private: tests read the schedule. */
  long nextDelay(Provider p) {
    ProviderHealth.State state = healths.of(p).snapshot().state();
    long base = state == ProviderHealth.State.DOWN ? healths.config().downInterval().toMillis()
        : p.config().probe().interval() != null ? p.config().probe().interval().toMillis()
        : healths.config().interval().toMillis();
    double jitter = healths.config().jitter() * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
    return Math.max(100, (long) (base * (1 + jitter)));
  }

  /** Runs one probe unless one is already running for this provider, in which case its result is shared. */
  private Future<Void> probeNow(Provider p) {
    Future<Void> inFlight = running.get(p.id());
    if (inFlight != null) {
      return inFlight;
    }
    Future<Void> probe = probe(p).eventually(() -> {
      running.remove(p.id());
      return Future.succeededFuture();
    });
    running.put(p.id(), probe);
    return probe;
  }

  private Future<Void> probe(Provider p) {
    ProviderHealth health = healths.of(p);
    String mode = p.config().probe().mode();
    String model = p.config().probe().model() != null ? p.config().probe().model()
        : p.config().models().stream().filter(m -> !m.endsWith("*")).findFirst().orElse("");
    UpstreamRequest up = p.adapter().probe("none".equals(mode) ? "models" : mode, model, p.config().probe().body());
    if (up == null) {
      return Future.succeededFuture();
    }
    long start = System.nanoTime();
    RequestOptions options = new RequestOptions()
        .setMethod(up.method())
        .setHost(p.config().host())
        .setPort(p.config().port())
        .setSsl(p.config().ssl())
        .setURI(up.path())
        .setHeaders(up.headers())
        .setConnectTimeout(healths.config().timeout().toMillis())
        .setIdleTimeout(healths.config().timeout().toMillis());
    // Completed only after the health is updated: a forced probe answers with the state the probe produced.
    // Everything here runs on this verticle's event loop, so the first of reply and timeout settles it.
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(healths.config().timeout().toMillis() + 50, id -> {
      if (!done.future().isComplete()) {
        failed(p, health, start, "probe timed out after " + healths.config().timeout().toMillis() + " ms");
        done.complete();
      }
    });
    client.request(options)
        .compose(req -> req.send(up.body()))
        .compose(resp -> resp.body().map(body -> {
          settle(p, health, start, resp.statusCode(), resp.headers(), body.length() > MAX_PROBE_BODY
              ? body.slice(0, MAX_PROBE_BODY) : body, done);
          return null;
        }))
        .onFailure(err -> {
          if (!done.future().isComplete()) {
            failed(p, health, start, "probe failed: " + safe(err));
            done.complete();
          }
        })
        .onComplete(ar -> vertx.cancelTimer(timer));
    return done.future();
  }

  private void settle(Provider p, ProviderHealth health, long start, int status, io.vertx.core.MultiMap headers,
                      Buffer body, Promise<Void> done) {
    if (done.future().isComplete()) {
      return;
    }
    long nanos = System.nanoTime() - start;
    long millis = nanos / 1_000_000;
    UpstreamError error = status >= 400 ? p.adapter().translateError(status, headers, body) : null;
    if (status == 401 || status == 403 || error != null && error.status() == 401) {
      metrics.probe(p.id(), "down", nanos);
      health.markDown("credentials refused by the provider (HTTP " + status + ")", true);
    } else if (status == 402 || status == 429 && error != null && "insufficient_quota".equals(error.code())) {
      metrics.probe(p.id(), "down", nanos);
      health.markDown("quota or credit exhausted (HTTP " + status + ")", true);
    } else if (status >= 500 || status == 408) {
      failed(p, health, start, "probe answered HTTP " + status);
    } else {
      // 2xx, or a 4xx that proves the API answers (a 404 where a provider has no models list, a 429 rate limit).
      metrics.probe(p.id(), "ok", nanos);
      health.probeSucceeded(millis, slowReason(p, millis, status), p.config().probe().likeTraffic());
      healths.probeAnswered(p);
    }
    done.complete();
  }

  private void failed(Provider p, ProviderHealth health, long start, String why) {
    long nanos = System.nanoTime() - start;
    metrics.probe(p.id(), "failed", nanos);
    LOG.fine("provider " + p.id() + ": " + why);
    health.probeFailed(nanos / 1_000_000, why);
  }

  /** Why a provider that answers is still degraded, or null. */
  private String slowReason(Provider p, long probeMillis, int status) {
    if (status == 429) {
      return "rate limited (probe answered HTTP 429)";
    }
    long limit = healths.config().degradedLatency().toMillis();
    if (probeMillis > limit) {
      return "slow: probe took " + probeMillis + " ms (limit " + limit + " ms)";
    }
    ProviderStats stats = p.stats();
    double ttft = stats.firstTokenMillis();
    if (ttft > limit) {
      return "slow: live time to first token " + Math.round(ttft) + " ms (limit " + limit + " ms)";
    }
    long[] window = stats.window();
    if (window[0] >= 10 && (double) window[1] / window[0] > healths.config().degradedErrorRate()) {
      return "elevated live error rate " + Math.round(100.0 * window[1] / window[0]) + "% over " + window[0]
          + " attempts";
    }
    return null;
  }

  /** An exception's text without a secret (by value first, then by pattern): it reaches the admin API and events. */
  private String safe(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return dev.switchboard.provider.openai.OpenAiErrors.scrub(providers.secrets().scrub(m));
  }

  /** A provider's health for the admin API and forced probes. */
  public static JsonObject describe(ProviderHealth h) {
    ProviderHealth.Snapshot s = h.snapshot();
    return new JsonObject()
        .put("state", h.state().label())
        .put("reason", h.reason())
        .put("since", s.sinceMillis())
        .put("last_probe", s.lastProbeMillis() == 0 ? null : new JsonObject()
            .put("at", s.lastProbeMillis())
            .put("latency_ms", s.lastProbeLatencyMillis())
            .put("ok", s.lastProbeError() == null)
            .put("error", s.lastProbeError()))
        .put("last_ok_probe", s.lastProbeOkMillis() == 0 ? null : s.lastProbeOkMillis());
  }

  private JsonObject describe(Provider p) {
    return describe(healths.of(p)).put("provider", p.id());
  }
}
