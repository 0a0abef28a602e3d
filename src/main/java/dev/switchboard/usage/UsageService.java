package dev.switchboard.usage;

import dev.switchboard.config.Budget;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.UsageConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.CandidateGate;
import dev.switchboard.routing.Target;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.logging.Logger;

/**
 * Spend and budgets on the hot path, and the ledger's intake. Every finished request becomes a {@link LedgerRow}:
 * its cost is added at once to the spend counters of its key and provider for the current day, week and month
 * (lock-free adders), and the row is queued for the {@link UsageVerticle} to write in batches on a worker thread.
 * Budgets are checked against the counters: a key over budget is refused, a provider over budget is skipped.
 * Crossing the alert threshold of a budget is logged, counted and published on {@value #ADDRESS}, once per window.
 */
public final class UsageService {
  public static final String ADDRESS = "switchboard.budget";
  private static final Logger LOG = Logger.getLogger(UsageService.class.getName());
  /** Rows waiting beyond this are dropped (and counted) rather than growing memory while the disk is stuck. */
  static final int MAX_QUEUED = 100_000;

  private final Vertx vertx;
  private final UsageConfig config;
  private final BudgetWindows windows;
  private final ClientKeys keys;
  private final ProviderRegistry providers;
  private final GatewayMetrics metrics;
  private final Map<String, DoubleAdder> spend = new ConcurrentHashMap<>();
  private final Set<String> alerted = ConcurrentHashMap.newKeySet();
  private final Queue<LedgerRow> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private volatile LedgerStore store;
  private volatile java.util.function.Supplier<JsonObject> storeState = () -> new JsonObject().put("store", "sqlite");
  private volatile SharedSpend shared;
  /** Requests in flight holding part of their key's budget, by request id; settled when their row is recorded. */
  private final Map<String, Reservation> reservations = new ConcurrentHashMap<>();
  private final LocalHolds localHolds = new LocalHolds();
  private volatile java.util.function.LongSupplier holdClock = System::currentTimeMillis;
  /** Names this instance's holds in Redis: random per process, so instances never collide. */
  private final String holdPrefix = Long.toHexString(new java.security.SecureRandom().nextLong()) + ':';
  private final java.util.concurrent.atomic.AtomicLong holdSeq = new java.util.concurrent.atomic.AtomicLong();

  public UsageService(Vertx vertx, UsageConfig config, BudgetWindows windows, ClientKeys keys,
                      ProviderRegistry providers, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.windows = windows;
    this.keys = keys;
    this.providers = providers;
    this.metrics = metrics;
    for (Provider p : providers.all()) {
      registerGauges("provider", p.id(), p.config().budget());
    }
    for (ClientKeys.Entry e : keys.all()) {
      registerGauges("key", e.config().name(), e.config().budget());
    }
  }

  public UsageConfig config() {
    return config;
  }

  public BudgetWindows windows() {
    return windows;
  }

  public ClientKeys keys() {
    return keys;
  }

  public void registerGauges(String scope, String name, Budget budget) {
    unregisterGauges(scope, name);
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double limit = limit(budget, period);
      if (limit > 0) {
        metrics.budgetRemaining(scope, name, period.name().toLowerCase(), () -> limit - spent(scope, name, period));
      }
    }
  }

  /** Drops the budget gauges of a revoked key or a removed provider. */
  public void unregisterGauges(String scope, String name) {
    metrics.removeBudgetRemaining(scope, name);
  }

  static double limit(Budget b, BudgetWindows.Period period) {
    return switch (period) {
      case DAILY -> b.daily();
      case WEEKLY -> b.weekly();
      case MONTHLY -> b.monthly();
    };
  }

  private static String counter(String scope, String name, BudgetWindows.Period period, LocalDate start) {
    return scope + '|' + name + '|' + period + '|' + start;
  }

  private static final BudgetWindows.Period[] PERIODS = BudgetWindows.Period.values();

  /** The counter ids of one key's or provider's windows on one day, by period ordinal. */
  private record DayCounters(LocalDate day, String[] ids) {
  }

  /**
   * The ids of the last day each key and provider spent on, so a request does not build three strings (and format
   * three dates) to find its counters: the ids are made once a day per name, and their hash codes are kept in them.
   * Bounded by the names that spend (configured providers and existing keys); cleared with the ended windows.
   */
  private final Map<String, DayCounters> keyDays = new ConcurrentHashMap<>();
  private final Map<String, DayCounters> providerDays = new ConcurrentHashMap<>();

  private String[] counterIds(String scope, String name, LocalDate day) {
    Map<String, DayCounters> days = "provider".equals(scope) ? providerDays : "key".equals(scope) ? keyDays : null;
    DayCounters known = days == null ? null : days.get(name);
    if (known != null && known.day().equals(day)) {
      return known.ids();
    }
    String[] ids = new String[PERIODS.length];
    for (BudgetWindows.Period period : PERIODS) {
      ids[period.ordinal()] = counter(scope, name, period, BudgetWindows.startOf(period, day));
    }
    if (days != null) {
      days.put(name, new DayCounters(day, ids));
    }
    return ids;
  }

  /** Shares budget counters with every instance through Redis (the rate limiter's). */
  public void share(dev.switchboard.config.RateLimitConfig redisConfig) {
    shared = new SharedSpend(vertx, redisConfig);
  }

  /**
   * Spend of a key or provider in the current window: this instance's own count, or the shared total when that is
   * higher (other instances spent too).
   */
  public double spent(String scope, String name, BudgetWindows.Period period) {
    String id = counter(scope, name, period, windows.start(period));
    DoubleAdder a = spend.get(id);
    double local = a == null ? 0 : a.sum();
    SharedSpend s = shared;
    return s == null ? local : Math.max(local, s.total(id));
  }

  /** Re-reads the shared totals of every budgeted key and provider (called periodically by the verticle). */
  io.vertx.core.Future<Void> refreshShared() {
    SharedSpend s = shared;
    if (s == null) {
      return io.vertx.core.Future.succeededFuture();
    }
    List<String> ids = new ArrayList<>();
    for (Provider p : providers.all()) {
      counters(ids, "provider", p.id(), p.config().budget());
    }
    for (ClientKeys.Entry e : keys.all()) {
      counters(ids, "key", e.config().name(), e.config().budget());
    }
    return s.refresh(ids);
  }

  private void counters(List<String> ids, String scope, String name, Budget budget) {
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      if (limit(budget, period) > 0) {
        ids.add(counter(scope, name, period, windows.start(period)));
      }
    }
  }

  void closeShared() {
    SharedSpend s = shared;
    if (s != null) {
      s.close();
    }
  }

  /** Tokens and cost of an attempt cancelled while its provider worked on it (booked in its request's row). */
  public void abandoned(String provider, String why, long tokens, double cost) {
    metrics.abandonedAttempt(provider, why, tokens, cost);
  }

  /** The clock of reservations' expiry (every instance's wall clock; tests move a fake one). */
  public void holdClock(java.util.function.LongSupplier wallMillis) {
    this.holdClock = wallMillis;
  }

  /**
   * Reserves a request's estimated cost against every budget window of its key before it goes upstream, in Redis
   * when budgets are shared (one atomic script), else (or while Redis does not answer) in this instance's
   * {@link LocalHolds}. Answers null when held (or the key has no budget), else the 429 to send. The hold is
   * settled by {@link #record} when the request finishes, or given back by {@link #release}.
   */
  public io.vertx.core.Future<ApiError> reserve(GatewayRequest request, double amount) {
    String keyName = request.clientKey();
    ClientKeyConfig k = keyName == null ? null : keys.config(keyName);
    if (k == null || !k.budget().any()) {
      return io.vertx.core.Future.succeededFuture();
    }
    List<String> counters = new ArrayList<>(3);
    List<BudgetWindows.Period> periods = new ArrayList<>(3);
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      if (limit(k.budget(), period) > 0) {
        counters.add(counter("key", keyName, period, windows.start(period)));
        periods.add(period);
      }
    }
    double[] limits = new double[periods.size()];
    for (int i = 0; i < limits.length; i++) {
      limits[i] = limit(k.budget(), periods.get(i));
    }
    String holdId = holdPrefix + holdSeq.incrementAndGet();
    SharedSpend s = shared;
    if (s == null) {
      return io.vertx.core.Future.succeededFuture(
          holdLocally(request, holdId, keyName, counters, periods, limits, amount));
    }
    return s.reserve(counters, limits, holdId, amount, holdClock.getAsLong(), config.reservationTtl().toMillis())
        .map(refusal -> {
          if (refusal == null) {
            keep(holdKey(request), new Reservation(holdId, counters, periods, amount, true, null));
            return (ApiError) null;
          }
          BudgetWindows.Period period = periods.get(refusal.window());
          return refusal(keyName, period, refusal.spent(), refusal.held(), limits[refusal.window()], amount);
        })
        // Redis is away: this instance holds alone, as its spend counts alone then.
        .recover(t -> {
          LOG.fine("budget reservation for key " + keyName + " held by this instance alone (Redis: " + t + ")");
          return io.vertx.core.Future.succeededFuture(
              holdLocally(request, holdId, keyName, counters, periods, limits, amount));
        });
  }

  private void keep(String requestId, Reservation r) {
    reservations.merge(requestId, r, (earlier, mine) -> mine.after(earlier));
  }

  /** Takes one hold of a finished request, or null. */
  private Reservation take(String requestId) {
    Reservation[] taken = new Reservation[1];
    reservations.computeIfPresent(requestId, (k, r) -> {
      taken[0] = r;
      return r.previous();
    });
    return taken[0];
  }

  private ApiError holdLocally(GatewayRequest request, String holdId, String keyName, List<String> counters,
                               List<BudgetWindows.Period> periods, double[] limits, double amount) {
    double[] spent = new double[periods.size()];
    for (int i = 0; i < spent.length; i++) {
      spent[i] = spent("key", keyName, periods.get(i));
    }
    int refused = localHolds.hold(counters, spent, limits, amount);
    if (refused >= 0) {
      return refusal(keyName, periods.get(refused), spent[refused], localHolds.held(counters.get(refused)),
          limits[refused], amount);
    }
    keep(holdKey(request), new Reservation(holdId, counters, periods, amount, false, null));
    return null;
  }

  private ApiError refusal(String keyName, BudgetWindows.Period period, double spent, double held, double limit,
                           double amount) {
    String window = period.name().toLowerCase();
    if (spent >= limit) {
      return new ApiError(429, ApiError.RATE_LIMIT, "Key '" + keyName + "' has spent its " + window + " budget ("
          + round(spent) + " of " + limit + "). It resets on " + windows.end(period) + " ("
          + windows.zone().getId() + ").", null, "budget_exceeded");
    }
    return new ApiError(429, ApiError.RATE_LIMIT, "Key '" + keyName + "' cannot reserve the up to " + round(amount)
        + " this request may cost: of its " + window + " budget " + limit + ", " + round(spent) + " is spent and "
        + round(held) + " is held by its requests in flight. Retry when they finish, or lower max_tokens.", null,
        "budget_exceeded");
  }

  /**
   * Which request a hold belongs to. Not the request id alone: that is the client's {@code x-request-id} when it
   * sends one, so several requests may share it, and one of them refused (or finished) must not settle another's
   * hold. The arrival time in nanoseconds tells them apart; both survive every copy of the request.
   */
  private static String holdKey(GatewayRequest request) {
    return holdKey(request.requestId(), request.receivedNanos());
  }

  private static String holdKey(String requestId, long receivedNanos) {
    return requestId + '@' + receivedNanos;
  }

  /** Gives back the hold of a request that finished before its reservation came back (nothing was recorded). */
  public void release(GatewayRequest request) {
    Reservation r = take(holdKey(request));
    if (r != null) {
      settle(r, 0);
    }
  }

  /** Replaces a reservation by the request's actual cost (already added to this instance's own counters). */
  private void settle(Reservation r, double cost) {
    SharedSpend s = shared;
    if (s != null) {
      // Also for a hold taken locally while Redis was away: the spend must reach Redis, and a hold whose answer
      // came too late may have been taken there after all.
      long[] ttls = new long[r.periods().size()];
      for (int i = 0; i < ttls.length; i++) {
        ttls[i] = spendTtlSeconds(r.periods().get(i));
      }
      s.settle(r.counters(), r.holdId(), cost, ttls);
    }
    if (!r.shared()) {
      localHolds.release(r.counters(), r.amount());
    }
  }

  /** Requests holding budget right now (for tests and diagnostics). */
  int reservationsHeld() {
    return reservations.size();
  }

  /** Adds a finished request that held no budget reservation (seeded rows, tests). */
  public void record(LedgerRow row) {
    record(row, null);
  }

  /** Adds a finished request: spend now, the ledger row soon; its budget hold, if it took one, is settled. */
  public void record(LedgerRow row, GatewayRequest request) {
    // Only keys with a budget hold; without any hold in flight there is nothing to look up (nor a key to build).
    Reservation held = request == null || row.requestId() == null || reservations.isEmpty() ? null
        : take(holdKey(request));
    if (held != null) {
      // The key's windows: spend added here locally, and in Redis by the settlement together with the release.
      if (row.cost() > 0) {
        addLocal("key", row.keyName(), windows.dayOf(row.timeMillis()), row.cost(), false);
      }
      settle(held, row.cost());
    }
    if (row.cost() > 0) {
      LocalDate day = windows.dayOf(row.timeMillis());
      if (held == null) {
        add("key", row.keyName(), day, row.cost());
      }
      if (row.provider() != null) {
        add("provider", row.provider(), day, row.cost());
        metrics.cost(row.provider(), row.model(), row.cost());
      }
    }
    if (queued.incrementAndGet() > MAX_QUEUED) {
      queued.decrementAndGet();
      metrics.ledgerDropped();
      return;
    }
    queue.add(row);
  }

  private void add(String scope, String name, LocalDate day, double cost) {
    addLocal(scope, name, day, cost, true);
  }

  private void addLocal(String scope, String name, LocalDate day, double cost, boolean share) {
    if (name == null) {
      return;
    }
    Budget budget = budgetOf(scope, name);
    SharedSpend s = share ? shared : null;
    String[] ids = counterIds(scope, name, day);
    for (BudgetWindows.Period period : PERIODS) {
      String id = ids[period.ordinal()];
      DoubleAdder adder = spend.get(id);
      if (adder == null) {
        adder = spend.computeIfAbsent(id, k -> new DoubleAdder());
      }
      adder.add(cost);
      if (s != null && budget != null && limit(budget, period) > 0) {
        s.add(id, cost, spendTtlSeconds(period));
      }
    }
    if (budget != null && budget.any()) {
      checkAlert(scope, name, budget);
    }
  }

  /** Kept a little past the window's end; the key names the window, so a new window starts from zero. */
  private long spendTtlSeconds(BudgetWindows.Period period) {
    long ttl = (windows.startMillis(windows.end(period)) - windows.nowMillis()) / 1000 + 2 * 86_400;
    return Math.max(60, ttl);
  }

  private Budget budgetOf(String scope, String name) {
    if ("provider".equals(scope)) {
      Provider p = providers.get(name);
      return p == null ? null : p.config().budget();
    }
    ClientKeyConfig k = keys.config(name);
    return k == null ? null : k.budget();
  }

  private void checkAlert(String scope, String name, Budget budget) {
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double limit = limit(budget, period);
      if (limit <= 0) {
        continue;
      }
      double spent = spent(scope, name, period);
      if (spent >= limit * config.alertThreshold()) {
        String id = counter(scope, name, period, windows.start(period)) + (spent >= limit ? "|over" : "|soft");
        if (alerted.add(id)) {
          boolean over = spent >= limit;
          LOG.warning("budget: " + scope + " " + name + " has spent " + round(spent) + " of its "
              + period.name().toLowerCase() + " budget " + limit + (over ? " (exceeded)" : ""));
          metrics.budgetAlert(scope, period.name().toLowerCase(), over ? "exceeded" : "threshold");
          vertx.eventBus().publish(ADDRESS, new JsonObject().put("scope", scope).put("name", name)
              .put("period", period.name().toLowerCase()).put("spent", round(spent)).put("budget", limit)
              .put("level", over ? "exceeded" : "threshold").put("at", System.currentTimeMillis()));
        }
      }
    }
  }

  /** Whether the key has any budget (only those reserve). */
  public boolean hasBudget(String keyName) {
    ClientKeyConfig k = keyName == null ? null : keys.config(keyName);
    return k != null && k.budget().any();
  }

  /** Null when the key may spend, otherwise the 429 it gets. */
  public ApiError keyOverBudget(String keyName) {
    ClientKeyConfig k = keys.config(keyName);
    if (k == null || !k.budget().any()) {
      return null;
    }
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double limit = limit(k.budget(), period);
      double spent = limit > 0 ? spent("key", keyName, period) : 0;
      if (limit > 0 && spent >= limit) {
        return new ApiError(429, ApiError.RATE_LIMIT, "Key '" + keyName + "' has spent its "
            + period.name().toLowerCase() + " budget (" + round(spent) + " of " + limit + "). It resets on "
            + windows.end(period) + " (" + windows.zone().getId() + ").", null, "budget_exceeded");
      }
    }
    return null;
  }

  /** Millis until the key's exhausted budget window ends. */
  public long keyBudgetResetMillis(String keyName) {
    ClientKeyConfig k = keys.config(keyName);
    long wait = -1;
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double limit = k == null ? 0 : limit(k.budget(), period);
      if (limit > 0 && spent("key", keyName, period) >= limit) {
        wait = Math.max(wait, windows.startMillis(windows.end(period)) - windows.nowMillis());
      }
    }
    return wait;
  }

  /** The selector's budget gate: a provider over any of its budgets is not a candidate. */
  public CandidateGate gate() {
    return new CandidateGate() {
      @Override
      public String refuse(Target target, GatewayRequest request, long nowNanos) {
        Provider p = target.provider();
        Budget b = p.config().budget();
        if (!b.any()) {
          return null;
        }
        for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
          double limit = limit(b, period);
          if (limit > 0 && spent("provider", p.id(), period) >= limit) {
            return "over its " + period.name().toLowerCase() + " budget (" + limit + ")";
          }
        }
        return null;
      }
    };
  }

  /** Forgets counters of windows that ended (called periodically), so spend memory stays bounded. */
  void dropEndedWindows() {
    keyDays.clear();
    providerDays.clear();
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      String current = windows.start(period).toString();
      String marker = "|" + period + "|";
      java.util.function.Predicate<String> ended = k -> {
        int at = k.indexOf(marker);
        return at >= 0 && k.substring(at + marker.length()).compareTo(current) < 0;
      };
      spend.keySet().removeIf(ended);
      localHolds.forget(ended);
    }
    alerted.removeIf(id -> {
      for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
        String marker = "|" + period + "|";
        int at = id.indexOf(marker);
        if (at >= 0) {
          String rest = id.substring(at + marker.length());
          int bar = rest.indexOf('|');
          return (bar < 0 ? rest : rest.substring(0, bar)).compareTo(windows.start(period).toString()) < 0;
        }
      }
      return false;
    });
  }

  /** Rebuilds the current windows' counters from the ledger (after a restart). Rows: key, provider, at, cost. */
  void load(List<Object[]> rows) {
    for (Object[] r : rows) {
      LocalDate day = windows.dayOf((Long) r[2]);
      double cost = (Double) r[3];
      for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
        LocalDate start = BudgetWindows.startOf(period, day);
        if (r[0] != null) {
          spend.computeIfAbsent(counter("key", (String) r[0], period, start), k -> new DoubleAdder()).add(cost);
        }
        if (r[1] != null) {
          spend.computeIfAbsent(counter("provider", (String) r[1], period, start), k -> new DoubleAdder()).add(cost);
        }
      }
    }
  }

  /** The earliest instant whose spend still counts for a current window. */
  long earliestWindowStartMillis() {
    LocalDate week = windows.start(BudgetWindows.Period.WEEKLY);
    LocalDate month = windows.start(BudgetWindows.Period.MONTHLY);
    return windows.startMillis(week.isBefore(month) ? week : month);
  }

  void store(LedgerStore store, java.util.function.Supplier<JsonObject> state) {
    this.store = store;
    this.storeState = state;
  }

  /** The ledger store's state for /ready: which store, and for PostgreSQL whether it answers and what is held. */
  public JsonObject storeState() {
    return storeState.get();
  }

  /** Runs a call on the ledger store (SQLite or PostgreSQL), once it is open. */
  public <T> io.vertx.core.Future<T> withStore(java.util.function.Function<LedgerStore, io.vertx.core.Future<T>> call) {
    LedgerStore s = store;
    if (s == null) {
      return io.vertx.core.Future.failedFuture(new IllegalStateException("the ledger is not open yet"));
    }
    return call.apply(s);
  }

  /** Runs a blocking SQLite ledger query on a worker thread (never the event loop); SQLite store only. */
  public <T> io.vertx.core.Future<T> query(LedgerQuery<T> query) {
    if (!(store instanceof SqliteLedgerStore s)) {
      return io.vertx.core.Future.failedFuture(new IllegalStateException(store == null ? "the ledger is not open yet"
          : "the ledger is on PostgreSQL; use withStore"));
    }
    return vertx.executeBlocking(() -> query.run(s.ledger()), false);
  }

  /** A blocking ledger call. */
  @FunctionalInterface
  public interface LedgerQuery<T> {
    T run(Ledger ledger) throws Exception;
  }

  /** Takes up to {@code max} queued rows for a batch. */
  List<LedgerRow> drain(int max) {
    List<LedgerRow> batch = new ArrayList<>(Math.min(max, Math.max(16, queued.get())));
    LedgerRow r;
    while (batch.size() < max && (r = queue.poll()) != null) {
      batch.add(r);
      queued.decrementAndGet();
    }
    return batch;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  int queued() {
    return queued.get();
  }

  /** Every configured budget with what is spent, what is left and, for months, a projection from the recent rate. */
  public JsonObject budgets() {
    return new BudgetReport(this, providers).describe();
  }

  /** Everything spent this month, over all providers (the provider counters add up every served request). */
  public double spentTotalThisMonth() {
    String suffix = "|" + BudgetWindows.Period.MONTHLY + "|" + windows.start(BudgetWindows.Period.MONTHLY);
    double total = 0;
    for (Map.Entry<String, DoubleAdder> e : spend.entrySet()) {
      if (e.getKey().startsWith("provider|") && e.getKey().endsWith(suffix)) {
        total += e.getValue().sum();
      }
    }
    return total;
  }

  /** Month-end spend if the month goes on as it went so far. */
  public double projectMonth(double spentSoFar) {
    long start = windows.startMillis(windows.start(BudgetWindows.Period.MONTHLY));
    long end = windows.startMillis(windows.end(BudgetWindows.Period.MONTHLY));
    long now = windows.nowMillis();
    double elapsed = Math.max(1, now - start);
    return spentSoFar * (end - start) / elapsed;
  }

  static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
