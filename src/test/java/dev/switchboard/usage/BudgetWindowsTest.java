package dev.switchboard.usage;

import dev.switchboard.config.Budget;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ModelPrice;
import dev.switchboard.config.Secret;
import dev.switchboard.config.UsageConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.api.Usage;
import dev.switchboard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** Cost arithmetic and calendar budget windows on an injected clock. */
class BudgetWindowsTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private final Vertx vertx = Vertx.vertx();
  private final FakeClock clock = new FakeClock(ZonedDateTime.of(2026, 11, 30, 23, 30, 0, 0, BERLIN).toInstant(),
      BERLIN);

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void costBillsCachedPromptTokensAtTheCachedPrice() {
    ModelPrice price = new ModelPrice(2.5, 10, 1.25);
    // 1000 prompt (400 of them cached), 200 completion: 600*2.5 + 400*1.25 + 200*10 per million.
    assertThat(Costs.of(new Usage(1000, 200, 1200, 400), price)).isCloseTo(0.004, offset(1e-12));
    assertThat(Costs.of(new Usage(1000, 200, 1200, 0), null)).as("no price: no cost").isZero();
  }

  @Test
  void theDayOfAnInstantIsTheZonesAcrossMidnightAndADaylightSavingChange() {
    java.time.ZoneId berlin = java.time.ZoneId.of("Europe/Berlin");
    BudgetWindows w = new BudgetWindows(java.time.Clock.systemUTC(), berlin);
    // 2026-03-29 is 23 hours long in Berlin (clocks go forward at 02:00).
    long start = java.time.ZonedDateTime.of(2026, 3, 29, 0, 0, 0, 0, berlin).toInstant().toEpochMilli();
    long next = java.time.ZonedDateTime.of(2026, 3, 30, 0, 0, 0, 0, berlin).toInstant().toEpochMilli();
    assertThat(next - start).isEqualTo(23 * 3_600_000L);
    for (long at : new long[] {start + 1, start - 1, start, next - 1, next, start + 5, next + 1, start - 1}) {
      assertThat(w.dayOf(at)).as("at " + at).isEqualTo(java.time.Instant.ofEpochMilli(at).atZone(berlin).toLocalDate());
    }
  }

  @Test
  void windowsFollowTheCalendarInTheConfiguredZone() {
    BudgetWindows w = new BudgetWindows(clock, BERLIN);
    // Monday 30 November 2026, 23:30 in Berlin (22:30 UTC).
    assertThat(w.start(BudgetWindows.Period.DAILY)).isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(w.start(BudgetWindows.Period.WEEKLY)).isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(w.start(BudgetWindows.Period.MONTHLY)).isEqualTo(LocalDate.of(2026, 11, 1));
    assertThat(w.end(BudgetWindows.Period.MONTHLY)).isEqualTo(LocalDate.of(2026, 12, 1));
    clock.advanceSeconds(3600);
    assertThat(w.start(BudgetWindows.Period.DAILY)).as("midnight in Berlin, not UTC").isEqualTo(LocalDate.of(2026, 12, 1));
    assertThat(w.start(BudgetWindows.Period.WEEKLY)).isEqualTo(LocalDate.of(2026, 11, 30));
    assertThat(w.start(BudgetWindows.Period.MONTHLY)).isEqualTo(LocalDate.of(2026, 12, 1));
  }

  @Test
  void spendRollsOverAtTheWindowBoundaryAndBudgetsFollow() {
    UsageConfig config = new UsageConfig("data", false, BERLIN, java.time.Duration.ofDays(90),
        java.time.Duration.ofSeconds(1), 0.8);
    ClientKeys keys = new ClientKeys(List.of(new ClientKeyConfig("team", Secret.of("sk-team-key-1"), null, 0, 0,
        List.of(), new Budget(1.0, 5.0, 0))));
    ProviderRegistry providers = new ProviderRegistry(ConfigLoader.fromYaml("""
        providers:
          p: {base_url: "http://127.0.0.1:1/v1", models: [m], budget: {daily: 2}}
        """, Map.of()));
    UsageService usage = new UsageService(vertx, config, new BudgetWindows(clock, BERLIN), keys, providers,
        new GatewayMetrics(new SimpleMeterRegistry()));

    usage.record(row(0.6));
    assertThat(usage.keyOverBudget("team")).isNull();
    usage.record(row(0.5));
    assertThat(usage.keyOverBudget("team")).isNotNull()
        .satisfies(e -> {
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.code()).isEqualTo("budget_exceeded");
          assertThat(e.message()).contains("daily budget").contains("2026-12-01");
        });
    assertThat(usage.keyBudgetResetMillis("team")).isEqualTo(30 * 60_000L);
    assertThat(usage.spent("provider", "p", BudgetWindows.Period.DAILY)).isCloseTo(1.1, offset(1e-9));

    clock.advanceSeconds(3600);
    assertThat(usage.keyOverBudget("team")).as("a new day: the daily budget starts again").isNull();
    assertThat(usage.spent("key", "team", BudgetWindows.Period.DAILY)).isZero();
    assertThat(usage.spent("key", "team", BudgetWindows.Period.WEEKLY)).as("same week").isCloseTo(1.1, offset(1e-9));
    assertThat(usage.spent("key", "team", BudgetWindows.Period.MONTHLY)).as("new month").isZero();
    assertThat(usage.budgets().getJsonArray("data")).isNotEmpty();
  }

  @Test
  void spendOfRowsFromAlternatingDaysLandsInEachDaysWindowsAndSurvivesForgettingEndedWindows() {
    UsageConfig config = new UsageConfig("data", false, BERLIN, java.time.Duration.ofDays(90),
        java.time.Duration.ofSeconds(1), 0.8);
    ClientKeys keys = new ClientKeys(List.of(new ClientKeyConfig("team", Secret.of("sk-team-key-1"), null, 0, 0,
        List.of(), new Budget(100, 100, 100))));
    ProviderRegistry providers = new ProviderRegistry(ConfigLoader.fromYaml("""
        providers:
          p: {base_url: "http://127.0.0.1:1/v1", models: [m]}
        """, Map.of()));
    UsageService usage = new UsageService(vertx, config, new BudgetWindows(clock, BERLIN), keys, providers,
        new GatewayMetrics(new SimpleMeterRegistry()));
    long november30 = clock.millis();

    usage.record(row(0.5));
    clock.advanceSeconds(3600);
    usage.record(row(0.25));
    // A row finished late, stamped on the day before, between two of today's: each counts in its own windows.
    usage.record(new LedgerRow(november30, "r", "team", "p", "m", 1, 1, 0, 0.125, 5, 5, 200, false, "p:200", false));
    usage.record(row(0.0625));

    assertThat(usage.spent("key", "team", BudgetWindows.Period.DAILY)).isCloseTo(0.3125, offset(1e-12));
    assertThat(usage.spent("key", "team", BudgetWindows.Period.WEEKLY)).isCloseTo(0.9375, offset(1e-12));
    assertThat(usage.spent("key", "team", BudgetWindows.Period.MONTHLY)).as("December only").isCloseTo(0.3125,
        offset(1e-12));
    assertThat(usage.spent("provider", "p", BudgetWindows.Period.DAILY)).isCloseTo(0.3125, offset(1e-12));

    usage.dropEndedWindows();
    usage.record(row(1));
    assertThat(usage.spent("key", "team", BudgetWindows.Period.DAILY)).isCloseTo(1.3125, offset(1e-12));
    assertThat(usage.spent("key", "team", BudgetWindows.Period.WEEKLY)).isCloseTo(1.9375, offset(1e-12));
    assertThat(usage.spent("provider", "p", BudgetWindows.Period.MONTHLY)).isCloseTo(1.3125, offset(1e-12));
    assertThat(usage.spentTotalThisMonth()).isCloseTo(1.3125, offset(1e-12));
  }

  private LedgerRow row(double cost) {
    return new LedgerRow(clock.millis(), "r", "team", "p", "m", 10, 10, 0, cost, 5, 5, 200, false, "p:200", false);
  }
}
