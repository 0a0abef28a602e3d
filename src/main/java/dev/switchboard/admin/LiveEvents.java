package dev.switchboard.admin;

import dev.switchboard.health.ProviderHealths;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.routing.FailoverChain;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.api.ApiError;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The dashboard's live feed behind {@code GET /admin/events}: one instance per gateway, shared by every event loop.
 *
 * <p>It forwards the control-plane events of the event bus (health, circuit, failover, sampled request summaries on
 * {@value #REQUESTS_ADDRESS}) to every connected stream as server-sent events, and once a second sends a
 * {@code snapshot} of every provider's numbers. Every finished request feeds its provider's {@link RollingWindow}
 * (lock-free, a few stores), so a dashboard's first snapshot is already right; request summaries are built and
 * published only while a stream is connected ({@link #watching()}, one volatile read).
 *
 * <p>Every stream has a small bounded write queue; an event that does not fit is dropped (and counted, and the
 * stream is told how many it missed) instead of being buffered for a slow dashboard.
 */
public final class LiveEvents {
  private static final Logger LOG = Logger.getLogger(LiveEvents.class.getName());
  /** Sampled summaries of finished requests, published only while a stream is connected. */
  public static final String REQUESTS_ADDRESS = "switchboard.requests";
  /** Bytes a stream may have queued before further events to it are dropped. */
  static final int WRITE_QUEUE_BYTES = 64 * 1024;
  static final int MAX_STREAMS = 32;
  /** Request summaries published per second at most; the rolling window sees every request regardless. */
  static final int SUMMARIES_PER_SECOND = 10;
  static final int HISTORY_SECONDS = 300;
  static final int RECENT_EVENTS = 30;

  private final Vertx vertx;
  /** Wall-clock millis: the windows' time and the events' {@code at}; injected so tests can drive the windows. */
  private final LongSupplier clock;
  private AdminServices services;
  private AdminApi describer;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean watching;
  private final AtomicLong sequence = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private Counter droppedMeter;
  private final Map<String, RollingWindow> windows = new ConcurrentHashMap<>();
  private final AtomicLong summarySecond = new AtomicLong();
  private final AtomicInteger summariesThisSecond = new AtomicInteger();
  /** Per-second traffic per provider over the last minutes; touched only on the timer's context. */
  private final ArrayDeque<JsonObject> history = new ArrayDeque<>();
  private final Map<String, long[]> lastCounts = new HashMap<>();
  /** Recent control-plane events for a dashboard that connects later; guarded by itself. */
  private final ArrayDeque<JsonObject> recent = new ArrayDeque<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long timer = -1;

  public LiveEvents(Vertx vertx) {
    this(vertx, System::currentTimeMillis);
  }

  public LiveEvents(Vertx vertx, LongSupplier clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  /** Wires the feed to the gateway's services and starts its one-second tick. */
  public void start(AdminServices services) {
    this.services = services;
    this.describer = new AdminApi(vertx, services, this);
    this.droppedMeter = services.metrics().adminEventsDropped();
    long now = clock.getAsLong();
    for (var p : services.providers().all()) {
      windows.put(p.id(), new RollingWindow(now));
    }
    forward(ProviderHealths.ADDRESS, "health");
    forward(ProviderGuards.CIRCUIT_ADDRESS, "circuit");
    forward(FailoverChain.FAILOVER_ADDRESS, "failover");
    forward(FailoverChain.PANIC_ADDRESS, "panic");
    forward(REQUESTS_ADDRESS, "request");
    forward(dev.switchboard.usage.UsageService.ADDRESS, "budget");
    forward(AuditTrail.ADDRESS, "audit");
    timer = vertx.setPeriodic(1_000, 1_000, id -> tick());
  }

  /** Stops the tick and ends every stream (also done per stream when its server shuts down). */
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    consumers.forEach(MessageConsumer::unregister);
    streams.forEach(Stream::end);
  }

  /** True while at least one dashboard is connected: only then are request summaries published. */
  public boolean watching() {
    return watching;
  }

  public int streams() {
    return streams.size();
  }

  public long droppedEvents() {
    return dropped.sum();
  }

  /**
   * A request finished (called from any event loop, for every request): feeds the provider's rolling window and,
   * while {@link #watching()}, at most {@value #SUMMARIES_PER_SECOND} times a second, publishes a summary for the
   * dashboard.
   */
  public void requestFinished(String requestId, String model, String provider, int status, String outcome,
                              List<String> attempts, boolean stream, long durationNanos, long ttftNanos,
                              long promptTokens, long completionTokens, boolean degraded) {
    long now = clock.getAsLong();
    if (provider != null) {
      RollingWindow w = windows.get(provider);
      if (w == null && services != null && services.providers().get(provider) != null) {
        // A provider added by a reload.
        w = windows.computeIfAbsent(provider, id -> new RollingWindow(now));
      }
      if (w != null) {
        w.add(now, durationNanos / 1_000_000, ttftNanos > 0 ? ttftNanos / 1_000_000 : -1,
            promptTokens + completionTokens, status >= 500 || status == 429);
      }
    }
    if (!watching) {
      return;
    }
    long second = now / 1000;
    long seen = summarySecond.get();
    if (seen != second && summarySecond.compareAndSet(seen, second)) {
      summariesThisSecond.set(0);
    }
    if (summariesThisSecond.incrementAndGet() > SUMMARIES_PER_SECOND) {
      return;
    }
    vertx.eventBus().publish(REQUESTS_ADDRESS, new JsonObject()
        .put("request_id", requestId).put("model", model).put("provider", provider).put("status", status)
        .put("outcome", outcome).put("attempts", new JsonArray(new ArrayList<>(attempts))).put("stream", stream)
        .put("duration_ms", durationNanos / 1_000_000).put("ttft_ms", ttftNanos > 0 ? ttftNanos / 1_000_000 : null)
        .put("tokens", promptTokens + completionTokens).put("degraded", degraded)
        .put("at", now));
  }

  /** {@code GET /admin/events} (already authenticated): opens a stream, sends a hello and a first snapshot. */
  void open(RoutingContext ctx, io.vertx.ext.web.Router router) {
    if (streams.size() >= MAX_STREAMS) {
      ApiError e = new ApiError(503, ApiError.SERVER, "Too many dashboards are connected (" + MAX_STREAMS
          + "); close one and retry.", null, "too_many_streams");
      ctx.response().setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(e.toJson()
          .toBuffer());
      return;
    }
    HttpServerResponse response = ctx.response();
    response.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("x-accel-buffering", "no")
        .setChunked(true)
        .setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    Stream s = new Stream(response, vertx.getOrCreateContext());
    streams.add(s);
    watching = true;
    response.closeHandler(v -> remove(s));
    ctx.request().connection().shutdownHandler(v -> s.end());
    // Admin APIs that other parts of the gateway may or may not mount (the cache's): the page asks only for those
    // that exist, so a browser never logs a 404 for them.
    JsonObject features = new JsonObject().put("cache", router.getRoutes().stream()
        .anyMatch(r -> "/admin/cache".equals(r.getPath())));
    JsonObject hello = new JsonObject().put("providers", providerIds()).put("features", features)
        .put("history", historyJson())
        .put("currency", services.usage().config().currency())
        .put("time_zone", services.usage().windows().zone().getId())
        .put("recent", recentJson()).put("snapshot_every_ms", 1000).put("at", clock.getAsLong());
    s.offer(frame("hello", hello));
    s.offer(frame("snapshot", snapshot()));
    LOG.info("admin: dashboard event stream opened (" + streams.size() + " connected)");
  }

  private void remove(Stream s) {
    if (streams.remove(s)) {
      watching = !streams.isEmpty();
      LOG.info("admin: dashboard event stream closed (" + streams.size() + " connected, " + s.droppedTotal
          + " events dropped on it)");
    }
  }

  private void forward(String address, String event) {
    consumers.add(vertx.eventBus().<Object>consumer(address, msg -> {
      if (!(msg.body() instanceof JsonObject body)) {
        return;
      }
      if (!event.equals("request")) {
        synchronized (recent) {
          recent.addLast(new JsonObject().put("event", event).put("data", body));
          while (recent.size() > RECENT_EVENTS) {
            recent.removeFirst();
          }
        }
      }
      broadcast(event, body);
    }));
  }

  private void broadcast(String event, JsonObject data) {
    if (streams.isEmpty()) {
      return;
    }
    Buffer frame = frame(event, data);
    for (Stream s : streams) {
      s.context.runOnContext(v -> s.offer(frame));
    }
  }

  private Buffer frame(String event, JsonObject data) {
    return Buffer.buffer("id: " + sequence.incrementAndGet() + "\nevent: " + event + "\ndata: " + data.encode()
        + "\n\n");
  }

  private void tick() {
    sampleHistory();
    if (streams.isEmpty()) {
      return;
    }
    broadcast("snapshot", snapshot());
    for (Stream s : streams) {
      s.context.runOnContext(v -> s.reportDrops());
    }
  }

  /** Per-second deltas of every provider's attempt and failure counters (always kept: a few reads a second). */
  private void sampleHistory() {
    JsonObject point = new JsonObject().put("at", clock.getAsLong());
    JsonObject per = new JsonObject();
    for (Provider p : services.providers().all()) {
      long req = p.stats().requests();
      long fail = p.stats().failures();
      long[] last = lastCounts.get(p.id());
      per.put(p.id(), new JsonArray().add(last == null ? 0 : req - last[0]).add(last == null ? 0 : fail - last[1]));
      lastCounts.put(p.id(), new long[] {req, fail});
    }
    point.put("providers", per);
    synchronized (history) {
      history.addLast(point);
      while (history.size() > HISTORY_SECONDS) {
        history.removeFirst();
      }
    }
  }

  private JsonArray historyJson() {
    synchronized (history) {
      return new JsonArray(new ArrayList<>(history));
    }
  }

  private JsonArray recentJson() {
    synchronized (recent) {
      return new JsonArray(new ArrayList<>(recent));
    }
  }

  private JsonArray providerIds() {
    JsonArray ids = new JsonArray();
    services.providers().all().forEach(p -> ids.add(p.id()));
    return ids;
  }

  /** Every provider's state and numbers right now, plus the rate-limit buckets. */
  JsonObject snapshot() {
    long now = clock.getAsLong();
    JsonArray providers = new JsonArray();
    JsonObject last;
    synchronized (history) {
      last = history.peekLast();
    }
    for (Provider p : services.providers().all()) {
      JsonObject o = describer.provider(p);
      RollingWindow w = windows.get(p.id());
      JsonObject live = w == null ? new JsonObject() : w.summary(now);
      JsonArray second = last == null ? null : last.getJsonObject("providers").getJsonArray(p.id());
      live.put("attempts_last_second", second == null ? 0 : second.getLong(0));
      live.put("failures_last_second", second == null ? 0 : second.getLong(1));
      live.put("tokens_total", tokensTotal(p.id()));
      live.put("cost_today", services.usage().spent("provider", p.id(),
          dev.switchboard.usage.BudgetWindows.Period.DAILY));
      o.put("live", live);
      providers.add(o);
    }
    return new JsonObject().put("at", now).put("providers", providers)
        .put("quotas", services.limiter().describe())
        .put("budgets", services.usage().budgets())
        .put("stream", new JsonObject().put("connected", streams.size()).put("dropped_total", dropped.sum()));
  }

  private long tokensTotal(String provider) {
    double sum = 0;
    for (Counter c : services.prometheus().find(GatewayMetrics.TOKENS).tag("provider", provider).counters()) {
      if (!"cached".equals(c.getId().getTag("kind"))) {
        sum += c.count();
      }
    }
    return (long) sum;
  }

  /** One connected dashboard. Written only on its own connection's context. */
  private final class Stream {
    final HttpServerResponse response;
    final Context context;
    long droppedUnreported;
    long droppedTotal;
    boolean ended;

    Stream(HttpServerResponse response, Context context) {
      this.response = response;
      this.context = context;
    }

    void offer(Buffer frame) {
      if (ended || response.closed()) {
        return;
      }
      if (response.writeQueueFull()) {
        droppedUnreported++;
        droppedTotal++;
        dropped.increment();
        droppedMeter.increment();
        return;
      }
      response.write(frame);
    }

    void reportDrops() {
      if (droppedUnreported > 0 && !ended && !response.closed() && !response.writeQueueFull()) {
        response.write(frame("dropped", new JsonObject().put("dropped", droppedUnreported)
            .put("dropped_total", droppedTotal)));
        droppedUnreported = 0;
      }
    }

    void end() {
      context.runOnContext(v -> {
        if (!ended && !response.closed()) {
          ended = true;
          response.end("event: bye\ndata: {\"reason\":\"gateway shutting down\"}\n\n");
        }
        remove(this);
      });
    }
  }
}
