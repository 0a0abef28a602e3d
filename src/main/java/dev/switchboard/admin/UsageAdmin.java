package dev.switchboard.admin;

import dev.switchboard.config.Budget;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.Secret;
import dev.switchboard.api.ApiError;
import dev.switchboard.usage.BudgetWindows;
import dev.switchboard.usage.ClientKeys;
import dev.switchboard.usage.UsageService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Keys, costs and budgets under {@code /admin} (behind the admin key, see {@link AdminApi}):
 * {@code POST/GET/DELETE /admin/keys}, {@code GET /admin/costs}, {@code GET /admin/usage/top},
 * {@code GET /admin/budgets}.
 */
final class UsageAdmin {
  private static final Logger LOG = Logger.getLogger(UsageAdmin.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private final UsageService usage;

  UsageAdmin(UsageService usage) {
    this.usage = usage;
  }

  void mount(Router router) {
    router.post("/admin/keys").handler(BodyHandler.create(false).setBodyLimit(16 * 1024)).handler(this::createKey);
    router.get("/admin/keys").handler(this::listKeys);
    router.delete("/admin/keys/:name").handler(this::deleteKey);
    router.get("/admin/costs").handler(this::costs);
    router.get("/admin/usage/top").handler(this::top);
    router.get("/admin/budgets").handler(ctx -> AdminApi.json(ctx, 200, usage.budgets()
        .put("currency", usage.config().currency())));
  }

  private void createKey(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      AdminApi.error(ctx, ApiError.invalid("Send a JSON object such as {\"name\": \"team-a\", \"models\": [\"gpt-4o\"], "
          + "\"limits\": {\"rpm\": 60}, \"budget\": {\"monthly\": 100}}.", null, "invalid_json"));
      return;
    }
    ClientKeyConfig spec;
    try {
      spec = parse(body);
    } catch (dev.switchboard.config.ConfigException e) {
      AdminApi.error(ctx, ConfigProblems.error(e));
      return;
    }
    if (usage.keys().byName(spec.name()) != null) {
      AdminApi.error(ctx, exists(spec.name()));
      return;
    }
    String secret = ClientKeys.newSecret();
    String hash = ClientKeys.hash(secret);
    long created = System.currentTimeMillis();
    JsonObject stored = ClientKeys.spec(spec);
    usage.withStore(store -> store.saveKey(spec.name(), hash, stored, created)).onSuccess(v -> {
      usage.keys().add(new ClientKeys.Entry(spec, hash, false, created));
      usage.registerGauges("key", spec.name(), spec.budget());
      LOG.info("admin: created client key " + spec.name());
      AdminApi.json(ctx, 201, describe(usage.keys().byName(spec.name()), Map.of()).put("key", secret)
          .put("note", "Store this key now: Switchboard keeps only its hash and cannot show it again."));
    }).onFailure(err -> AdminApi.error(ctx, err instanceof dev.switchboard.usage.LedgerStore.KeyExists
        ? exists(spec.name()) : ApiError.server("Could not store the key: " + err.getMessage())));
  }

  private static ApiError exists(String name) {
    return new ApiError(409, ApiError.INVALID_REQUEST, "A key named '" + name + "' exists already.", "name",
        "key_exists");
  }

  /** The file's parser of an {@code auth.keys} entry, plus the name rule of keys made here (they become URL parts). */
  private static ClientKeyConfig parse(JsonObject body) {
    ClientKeyConfig spec = dev.switchboard.config.ConfigLoader.clientKey(body);
    if (!NAME.matcher(spec.name()).matches()) {
      throw new dev.switchboard.config.ConfigException("name: must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return spec;
  }

  private static long count(JsonObject o, String key) {
    return atLeastZero(o, key, "'" + key + "' must be a number of at least 0.").longValue();
  }

  private static double money(JsonObject o, String key) {
    return atLeastZero(o, key, "budget '" + key + "' must be an amount of at least 0.").doubleValue();
  }

  /** The number under {@code key}, 0 when absent; {@code problem} is the error when it is not one, or below 0. */
  private static Number atLeastZero(JsonObject o, String key, String problem) {
    Object v = o.getValue(key);
    if (v == null) {
      return 0;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0) {
      throw new IllegalArgumentException(problem);
    }
    return n;
  }

  private JsonObject describe(ClientKeys.Entry e, Map<BudgetWindows.Period, Map<String, Double>> ledger) {
    ClientKeyConfig k = e.config();
    JsonObject o = ClientKeys.spec(k).put("name", k.name()).put("source", e.fromConfig() ? "config" : "api")
        .put("created", e.created() == 0 ? null : e.created());
    JsonObject spent = new JsonObject();
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double counted = usage.spent("key", k.name(), period);
      double recorded = ledger.getOrDefault(period, Map.of()).getOrDefault(k.name(), 0.0);
      spent.put(period.name().toLowerCase(java.util.Locale.ROOT), Math.max(counted, recorded));
    }
    return o.put("spent", spent);
  }

  private void listKeys(RoutingContext ctx) {
    ledgerSpendByKey().onComplete(ledger -> {
      JsonArray data = new JsonArray();
      usage.keys().all().stream().sorted(java.util.Comparator.comparing(e -> e.config().name()))
          .forEach(e -> data.add(describe(e, ledger.result())));
      AdminApi.json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
    });
  }

  /**
   * Each key's spend in the current day, week and month as the ledger holds it: every instance's rows when the store
   * is shared, where this instance's counters hold only its own requests and the budgeted windows' shared totals.
   * Empty when the ledger cannot be read (PostgreSQL away), so the list still answers from the counters.
   */
  private Future<Map<BudgetWindows.Period, Map<String, Double>>> ledgerSpendByKey() {
    BudgetWindows w = usage.windows();
    BudgetWindows.Period[] periods = BudgetWindows.Period.values();
    List<Future<JsonArray>> reads = new ArrayList<>();
    for (BudgetWindows.Period period : periods) {
      reads.add(usage.withStore(store -> store.costs(w.startMillis(w.start(period)), Long.MAX_VALUE, "key", w.zone())));
    }
    return Future.all(reads).map(done -> {
      Map<BudgetWindows.Period, Map<String, Double>> out = new EnumMap<>(BudgetWindows.Period.class);
      for (int i = 0; i < periods.length; i++) {
        Map<String, Double> byKey = new HashMap<>();
        reads.get(i).result().forEach(r -> {
          JsonObject row = (JsonObject) r;
          if (row.getString("key") != null) {
            byKey.put(row.getString("key"), row.getDouble("cost"));
          }
        });
        out.put(periods[i], byKey);
      }
      return out;
    }).otherwise(Map.of());
  }

  /** Everything spent this month by every instance: the ledger's figure, or this instance's counters if higher. */
  private Future<Double> monthToDate() {
    BudgetWindows w = usage.windows();
    double counted = usage.spentTotalThisMonth();
    return usage.withStore(store -> store.costs(w.startMillis(w.start(BudgetWindows.Period.MONTHLY)), Long.MAX_VALUE,
            "provider", w.zone()))
        .map(rows -> Math.max(counted, rows.stream().mapToDouble(r -> ((JsonObject) r).getDouble("cost")).sum()))
        .otherwise(counted);
  }

  private void deleteKey(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    ClientKeys.Entry e = usage.keys().byName(name);
    if (e == null) {
      AdminApi.error(ctx, new ApiError(404, ApiError.INVALID_REQUEST, "No key named '" + name + "'.", "name",
          "key_not_found"));
      return;
    }
    if (e.fromConfig()) {
      AdminApi.error(ctx, new ApiError(409, ApiError.INVALID_REQUEST, "Key '" + name + "' is defined in the config "
          + "file; remove it there.", "name", "key_in_config"));
      return;
    }
    usage.withStore(store -> store.deleteKey(name)).onSuccess(v -> {
      usage.keys().remove(name);
      usage.unregisterGauges("key", name);
      LOG.info("admin: revoked client key " + name);
      AdminApi.json(ctx, 200, new JsonObject().put("name", name).put("revoked", true));
    }).onFailure(err -> AdminApi.error(ctx, ApiError.server("Could not revoke the key: " + err.getMessage())));
  }

  /**
   * {@code from}/{@code to} as ISO dates (in the usage time zone), ISO instants or epoch millis; default: this month
   * so far. Throws {@link IllegalArgumentException} with the client's message for a bad value or {@code to} before
   * {@code from}.
   */
  private long[] range(RoutingContext ctx) {
    BudgetWindows w = usage.windows();
    long from;
    long to;
    try {
      from = parseInstant(ctx.queryParams().get("from"), w, w.startMillis(w.start(BudgetWindows.Period.MONTHLY)));
      to = parseInstant(ctx.queryParams().get("to"), w, Long.MAX_VALUE);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'from' and 'to' must be dates (2026-11-01), ISO instants or epoch millis.");
    }
    if (to < from) {
      throw new IllegalArgumentException("'to' must not be before 'from'.");
    }
    return new long[] {from, to};
  }

  private static long parseInstant(String text, BudgetWindows w, long def) {
    if (text == null || text.isBlank()) {
      return def;
    }
    String t = text.trim();
    if (t.chars().allMatch(Character::isDigit)) {
      return Long.parseLong(t);
    }
    try {
      return w.startMillis(LocalDate.parse(t));
    } catch (java.time.format.DateTimeParseException e) {
      return java.time.OffsetDateTime.parse(t).toInstant().toEpochMilli();
    }
  }

  /** The request's from/to range, or null after answering 400 for a bad one. */
  private long[] rangeOrRefuse(RoutingContext ctx) {
    try {
      return range(ctx);
    } catch (IllegalArgumentException e) {
      AdminApi.error(ctx, ApiError.invalid(e.getMessage(), "from", "invalid_value"));
      return null;
    }
  }

  private void costs(RoutingContext ctx) {
    String groupBy = ctx.queryParams().get("groupBy") == null ? "provider" : ctx.queryParams().get("groupBy");
    if (!List.of("provider", "model", "key", "user", "day").contains(groupBy)) {
      AdminApi.error(ctx, ApiError.invalid("'groupBy' must be provider, model, key, user or day.", "groupBy",
          "invalid_value"));
      return;
    }
    long[] range = rangeOrRefuse(ctx);
    if (range == null) {
      return;
    }
    usage.withStore(store -> store.costs(range[0], range[1], groupBy, usage.windows().zone()))
        .compose(rows -> monthToDate().map(month -> Map.entry(rows, month)))
        .onSuccess(read -> {
          JsonArray rows = read.getKey();
          double month = read.getValue();
          double total = rows.stream().mapToDouble(r -> ((JsonObject) r).getDouble("cost")).sum();
          AdminApi.json(ctx, 200, new JsonObject().put("group_by", groupBy).put("currency", usage.config().currency())
              .put("from", range[0])
              .put("to", range[1] == Long.MAX_VALUE ? null : range[1]).put("total", Math.round(total * 1e6) / 1e6)
              .put("data", rows)
              .put("month_to_date", Math.round(month * 1e6) / 1e6)
              .put("month_projected", Math.round(usage.projectMonth(month) * 1e6) / 1e6));
        })
        .onFailure(err -> AdminApi.error(ctx, ApiError.server("Could not read the ledger: " + err.getMessage())));
  }

  private void top(RoutingContext ctx) {
    String by = ctx.queryParams().get("by") == null ? "model" : ctx.queryParams().get("by");
    if (!List.of("model", "key", "provider", "user").contains(by)) {
      AdminApi.error(ctx, ApiError.invalid("'by' must be model, key, provider or user.", "by", "invalid_value"));
      return;
    }
    int limit = 10;
    try {
      if (ctx.queryParams().get("limit") != null) {
        // Any whole number, clamped to 1-1000 (a huge one is 1000, as a negative one is 1).
        limit = new java.math.BigInteger(ctx.queryParams().get("limit").trim()).max(java.math.BigInteger.ONE)
            .min(java.math.BigInteger.valueOf(1000)).intValue();
      }
    } catch (NumberFormatException e) {
      AdminApi.error(ctx, ApiError.invalid("'limit' must be a whole number (1-1000).", "limit", "invalid_value"));
      return;
    }
    long[] range = rangeOrRefuse(ctx);
    if (range == null) {
      return;
    }
    int n = limit;
    usage.withStore(store -> store.costs(range[0], range[1], by, usage.windows().zone()))
        .onSuccess(rows -> {
          JsonArray top = new JsonArray();
          rows.stream().limit(n).forEach(top::add);
          AdminApi.json(ctx, 200, new JsonObject().put("by", by).put("data", top));
        })
        .onFailure(err -> AdminApi.error(ctx, ApiError.server("Could not read the ledger: " + err.getMessage())));
  }
}
