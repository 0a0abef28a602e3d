package dev.switchboard.admin;

import dev.switchboard.Switchboard;
import dev.switchboard.demo.Demo;
import dev.switchboard.demo.SimulatedProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import dev.switchboard.usage.LedgerRow;
import io.vertx.core.json.JsonObject;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real browser (the system's headless Chromium through chromedriver) against a gateway in demo
 * mode: it loads without console errors, logs in, shows the three providers, turns a card down after a simulated
 * outage, and shows an admin action; money in the currency, sizes in binary units, an overspent budget in red; the
 * cost trend chart over seeded days; a key created (secret shown once) and revoked through the Keys view; the header's
 * service status, the statistics (and their reset), uptime and recommendations panels. Leaves a
 * screenshot at target/dashboard.png.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  private static final String CHROMIUM = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser");
  private static final String DRIVER = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
  private static Demo<Switchboard> demo;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(CHROMIUM != null && DRIVER != null,
        "SKIPPED: the dashboard browser test needs Debian's chromium and chromium-driver (apt-get install chromium "
            + "chromium-driver; .ci/run installs them)");
    // No scheduled outages or bursts: the test makes its own outage, so what it sees is deterministic.
    Map<String, SimulatedProvider.Behaviour> behaviours = new LinkedHashMap<>();
    behaviours.put("steady", SimulatedProvider.Behaviour.steady(60, 30));
    behaviours.put("flaky", SimulatedProvider.Behaviour.steady(40, 20));
    behaviours.put("sometimes-down", SimulatedProvider.Behaviour.steady(80, 40));
    demo = Demo.start(0, behaviours, 6, Switchboard::start).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1440,1100", "--disable-extensions", "--no-first-run");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (demo != null) {
      demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void dashboardShowsProvidersOutagesAndAdminActions() throws Exception {
    browser.get("http://127.0.0.1:" + demo.gateway().port() + "/dashboard");
    assertThat(browser.getTitle()).isEqualTo("Switchboard dashboard");

    WebElement key = browser.findElement(By.id("admin-key"));
    assertThat(browser.findElement(By.cssSelector("label[for=admin-key]")).getText()).isEqualTo("Admin key");
    key.sendKeys(Demo.ADMIN_KEY);
    browser.findElement(By.id("connect")).click();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cards())
        .containsExactlyInAnyOrder("steady", "flaky", "sometimes-down"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(browser.findElement(By.id("connection")).getText()).isEqualTo("Live"));
    // Traffic flows and the numbers show.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(state("steady")).isEqualTo("healthy"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(card("steady").findElement(By.cssSelector(".stats dd")).getText()).isNotEqualTo("–"));
    // The header shows the gateway's status (GET /status) and the statistics fill in.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
      WebElement status = browser.findElement(By.id("service-status"));
      assertThat(status.getAttribute("data-status")).isEqualTo("healthy");
      assertThat(status.getText()).isEqualTo("All services healthy");
      assertThat(browser.findElement(By.cssSelector("#stats tr[data-scope=overall] td")).getText()).isNotEqualTo("0");
      assertThat(browser.findElements(By.cssSelector("#stats tr[data-scope='provider steady']"))).hasSize(1);
      assertThat(browser.findElements(By.cssSelector("#uptime tbody tr")).stream()
          .map(e -> e.getAttribute("data-provider")).toList())
          .containsExactlyInAnyOrder("steady", "flaky", "sometimes-down");
    });
    String resetAt = browser.findElement(By.id("stats-reset-at")).getText();
    browser.findElement(By.id("stats-reset")).click();
    await().atMost(Duration.ofSeconds(30)).until(() -> !browser.findElement(By.id("stats-reset-at")).getText()
        .equals(resetAt));
    // The key is in session storage, never in the URL.
    assertThat(browser.getCurrentUrl()).doesNotContain(Demo.ADMIN_KEY + "&").endsWith("/dashboard");
    Object stored = ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript("return sessionStorage.getItem('switchboard.adminKey')");
    assertThat(stored).isEqualTo(Demo.ADMIN_KEY);

    // Money in the demo's currency (USD), never in exponent notation; Enable only where there is something to enable.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(stat("steady", "cost today")).matches("\\$\\d+\\.\\d{2}(\\d{2})?|<\\$0\\.0001"));
    for (String id : List.of("steady", "flaky", "sometimes-down")) {
      assertThat(card(id).findElements(By.xpath(".//button[normalize-space()='Enable']")))
          .as("Enable on the healthy card %s", id).allSatisfy(b -> assertThat(b.isDisplayed()).isFalse());
    }

    // A key that has spent 150% of its daily budget: its row is drawn red, amounts with the currency.
    demo.gateway().services().usage().record(new LedgerRow(System.currentTimeMillis(), "seeded-over-budget",
        "demo-user", null, "demo-model", 10, 5, 0, 1.5, 100, -1, 200, false, "", false));
    // The table is redrawn every second: an element found just before a redraw goes stale (and the row may not be
    // drawn yet), so look again.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
      WebElement row = browser.findElement(By.xpath("//table[@id='budgets']//tr[th[normalize-space()="
          + "'key demo-user (daily)']]"));
      assertThat(row.getAttribute("data-level")).isEqualTo("over");
      assertThat(row.findElement(By.cssSelector("td.used")).getCssValue("color")).isEqualTo("rgba(161, 18, 27, 1)");
      assertThat(row.findElements(By.cssSelector("td")).get(1).getText()).isEqualTo("$1.50 / $1.00");
    });

    // The cache panel: the demo's repeated prompts hit, and sizes read in binary units.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
      assertThat(browser.findElement(By.id("cache")).isDisplayed()).isTrue();
      assertThat(browser.findElement(By.cssSelector("#cache-stats [data-stat=max_bytes] dd")).getText())
          .isEqualTo("128 MiB");
    });

    // A simulated outage: the card turns down within seconds, and shows no score.
    demo.provider("sometimes-down").outage(Duration.ofMinutes(5));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(state("sometimes-down")).isEqualTo("down");
      assertThat(card("sometimes-down").findElement(By.cssSelector(".badge")).getText()).isEqualToIgnoringCase("down");
      assertThat(card("sometimes-down").findElement(By.cssSelector(".score")).getText())
          .isEqualTo("No score while down");
    });
    // The outage in the header and in the advice: the priority alias's primary is down, the others serve.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() -> {
      WebElement status = browser.findElement(By.id("service-status"));
      assertThat(status.getAttribute("data-status")).isEqualTo("degraded");
      assertThat(status.getText()).isEqualTo("Services degraded");
      assertThat(browser.findElement(By.cssSelector("#recommendations li[data-type=primary_down]")).getText())
          .contains("sometimes-down").contains("demo-priority");
    });

    // An admin action from the card's button.
    WebElement maintenance = card("flaky").findElement(By.cssSelector("button[data-action=maintenance]"));
    assertThat(maintenance.getAttribute("aria-label")).contains("flaky");
    maintenance.click();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(state("flaky")).isEqualTo("maintenance");
      assertThat(card("flaky").findElement(By.cssSelector(".reason")).getText()).contains("maintenance");
      assertThat(card("flaky").findElement(By.cssSelector("button[data-action=enable]")).getText())
          .isEqualTo("End maintenance");
    });
    // Let the chart and failover list fill a little for the screenshot.
    await().atMost(Duration.ofSeconds(30)).until(() -> !browser.findElements(By.cssSelector("#requests tbody tr"))
        .isEmpty());

    Path shot = Path.of("target", "dashboard.png");
    Files.createDirectories(shot.getParent());
    Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot,
        StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(shot)).isPositive();

    // On a 480 px screen the page does not scroll sideways: the Requests table scrolls in its own box.
    browser.manage().window().setSize(new Dimension(480, 1000));
    try {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(js("return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
            .as("no page-wide horizontal overflow at 480 px").isEqualTo(true);
        assertThat(js("const b = document.querySelector('#requests').parentElement; "
            + "return b.classList.contains('table-scroll') && b.scrollWidth > b.clientWidth"))
            .as("the table scrolls inside its container").isEqualTo(true);
      });
    } finally {
      browser.manage().window().setSize(new Dimension(1440, 1100));
    }
    assertNoConsoleErrors();
  }

  @Test
  @Order(2)
  void costTrendAndKeyManagement() throws Exception {
    // Spend on days before today, per provider: the chart draws a bar segment for each.
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    List<Object[]> seeded = List.of(new Object[] {today.minusDays(3), "steady", 0.42},
        new Object[] {today.minusDays(3), "flaky", 0.08}, new Object[] {today.minusDays(2), "steady", 0.3});
    for (Object[] s : seeded) {
      long at = ((LocalDate) s[0]).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
      demo.gateway().services().usage().record(new LedgerRow(at, "seeded-" + s[0] + s[1], null, (String) s[1],
          "demo-model", 10, 5, 0, (double) s[2], 100, -1, 200, false, s[1] + ":200", false));
    }
    browser.get("http://127.0.0.1:" + demo.gateway().port() + "/dashboard");
    await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("views")).isDisplayed());

    // (Re)loading the view until the ledger's batch with the seeded rows is written.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      browser.findElement(By.cssSelector(".view-tab[data-view=costs]")).click();
      // The click starts a load ("Loading…"): look at the chart it draws, not the one it is about to replace.
      await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElement(By.id("costs-summary")).getText()
          .startsWith("Loading"));
      assertThat(browser.findElements(By.cssSelector("#cost-chart rect.bar[data-day='" + today.minusDays(3)
          + "']"))).hasSize(2);
    });
    assertThat(browser.findElement(By.id("costs-view")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("main")).isDisplayed()).isFalse();
    assertThat(browser.findElements(By.cssSelector("#cost-chart rect.bar[data-day='" + today.minusDays(2) + "']"))
        .stream().map(e -> e.getAttribute("data-provider")).toList()).containsExactly("steady");
    WebElement tallest = browser.findElement(By.cssSelector("#cost-chart rect.bar[data-day='" + today.minusDays(3)
        + "'][data-provider=steady]"));
    assertThat(Double.parseDouble(tallest.getAttribute("height"))).isPositive();
    assertThat(browser.findElement(By.id("costs-summary")).getText()).contains("$").doesNotContain("E-");
    assertThat(tallest.findElement(By.tagName("title")).getAttribute("textContent"))
        .isEqualTo(today.minusDays(3) + " · steady: $0.42");
    assertThat(browser.findElement(By.cssSelector("#cost-legend li[data-provider=steady]")).getText())
        .startsWith("steady $");

    // Keys: create one with limits, a budget and models; its secret is shown once, with a copy button.
    browser.findElement(By.cssSelector(".view-tab[data-view=keys]")).click();
    browser.findElement(By.id("key-name")).sendKeys("browser-team");
    browser.findElement(By.id("key-models")).sendKeys("demo-chat");
    browser.findElement(By.id("key-rpm")).sendKeys("30");
    browser.findElement(By.id("key-monthly")).sendKeys("5");
    browser.findElement(By.id("key-create")).click();
    WebElement secret = browser.findElement(By.id("key-secret-value"));
    await().atMost(Duration.ofSeconds(30)).until(() -> secret.getText().startsWith("sk-sb-"));
    String key = secret.getText();
    assertThat(browser.findElement(By.id("key-copy")).isDisplayed()).isTrue();
    browser.findElement(By.id("key-copy")).click();
    await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElement(By.id("key-copy-status")).getText()
        .isEmpty());
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() ->
        assertThat(browser.findElement(By.cssSelector("#keys tr[data-key=browser-team]")).getText())
            .contains("demo-chat").contains("30 req/min").contains("$5.00 monthly").doesNotContain(key));
    assertThat(chat(key)).as("the new key works").isEqualTo(200);
    browser.findElement(By.id("key-secret-done")).click();
    assertThat(browser.findElement(By.id("key-secret")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.tagName("body")).getAttribute("innerHTML")).as("shown once, then gone")
        .doesNotContain(key);

    // Revoke through the page: two clicks, then the row is gone and the key refused.
    WebElement revoke = browser.findElement(By.cssSelector("#keys tr[data-key=browser-team] button[data-action=revoke]"));
    revoke.click();
    assertThat(revoke.getText()).isEqualTo("Confirm revoke");
    revoke.click();
    await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(
        By.cssSelector("#keys tr[data-key=browser-team]")).isEmpty());
    assertThat(demo.gateway().services().usage().keys().byName("browser-team")).isNull();
    assertThat(chat(key)).as("the revoked key is refused").isEqualTo(401);
    assertNoConsoleErrors();
  }

  /**
   * The Config view's forms against a gateway started from a file (runtime changes need one): a weight the config
   * refuses is marked on its field with the gateway's message and changes nothing; a good one is applied; an alias
   * saved with a strategy routes the next request with it.
   */
  @Test
  @Order(3)
  void configFormsShowFieldErrorsAndApplyChanges() throws Exception {
    dev.switchboard.testing.FakeProvider upstream = new dev.switchboard.testing.FakeProvider();
    Path dir = dev.switchboard.testing.GatewayUnderTest.freshDirectory();
    Path file = dir.resolve("switchboard.yaml");
    Files.writeString(file, ConfigReloadTest.base(dir, "{enabled: false}")
        .provider("a", upstream, "sk-browser-a-0000", "m").model("chat", "a/m").yaml());
    upstream.chatJson("from a");
    dev.switchboard.testing.GatewayUnderTest gateway = dev.switchboard.testing.GatewayUnderTest.startFile(file,
        Map.of());
    try {
      browser.get(gateway.baseUrl() + "/dashboard#config");
      browser.findElement(By.id("admin-key")).sendKeys(ConfigReloadTest.ADMIN_KEY);
      browser.findElement(By.id("connect")).click();
      await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("views")).isDisplayed());
      browser.findElement(By.cssSelector(".view-tab[data-view=config]")).click();
      await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("config-view")).isDisplayed());

      browser.findElement(By.id("provider-id")).sendKeys("a");
      browser.findElement(By.id("provider-weight")).sendKeys("-3");
      browser.findElement(By.id("provider-update")).click();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        WebElement weight = browser.findElement(By.id("provider-weight"));
        assertThat(weight.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.findElement(By.cssSelector("#provider-form .field-error[data-for=weight]")).getText())
            .isNotBlank();
        assertThat(browser.findElement(By.id("provider-error")).getText()).startsWith("Not changed:")
            .contains("providers.a.weight");
      });
      assertThat(adminConfig(gateway).getJsonObject("providers").getJsonObject("a").containsKey("weight"))
          .as("the refused weight changed nothing").isFalse();

      WebElement weight = browser.findElement(By.id("provider-weight"));
      weight.clear();
      weight.sendKeys("3");
      browser.findElement(By.id("provider-update")).click();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(browser.findElement(By.id("provider-result")).getText()).isEqualTo("a: applied");
        assertThat(browser.findElements(By.cssSelector("#provider-form .field-error"))).isEmpty();
      });
      assertThat(adminConfig(gateway).getJsonObject("providers").getJsonObject("a").getValue("weight").toString())
          .isIn("3", "3.0");

      browser.findElement(By.id("alias-name")).sendKeys("chat");
      browser.findElement(By.id("alias-targets")).sendKeys("a/m");
      new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("alias-strategy")))
          .selectByVisibleText("round-robin");
      browser.findElement(By.id("alias-save")).click();
      await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("alias-result")).getText()
          .equals("chat: applied"));
      HttpResponse<String> routed = gateway.chat(dev.switchboard.testing.Requests.chat("chat", "hi"));
      assertThat(routed.headers().firstValue("x-switchboard-route").orElse("")).startsWith("strategy=round-robin");
      // The refused change's 400 is logged by the browser as a failed load; nothing else may be.
      assertThat(browser.manage().logs().get(LogType.BROWSER).getAll().stream()
          .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
          .filter(e -> !e.getMessage().contains("status of 400")).toList()).as("browser console errors").isEmpty();
    } finally {
      gateway.close();
      upstream.close();
    }
  }

  private static JsonObject adminConfig(dev.switchboard.testing.GatewayUnderTest gateway) throws Exception {
    HttpResponse<String> r = ConfigReloadTest.admin(gateway, "GET", "/admin/config", null);
    return new JsonObject(r.body()).getJsonObject("config");
  }

  private static int chat(String key) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + demo.gateway().port() + "/v1/chat/completions")).header("Authorization", "Bearer " + key)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("model", "demo-chat").put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject()
                .put("role", "user").put("content", "hi"))).encode())).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  /** The value of one of a card's stats, by its label. */
  private static String stat(String id, String label) {
    return card(id).findElement(By.xpath(".//dl[@class='stats']/div[dt[normalize-space()='" + label + "']]/dd"))
        .getText();
  }

  private static void assertNoConsoleErrors() {
    List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    assertThat(severe).as("browser console errors").isEmpty();
  }

  private static List<String> cards() {
    return browser.findElements(By.cssSelector("article.card")).stream().map(e -> e.getAttribute("data-provider"))
        .toList();
  }

  private static WebElement card(String id) {
    return browser.findElement(By.cssSelector("article.card[data-provider='" + id + "']"));
  }

  private static String state(String id) {
    return card(id).getAttribute("data-state");
  }

  private static String firstExisting(String... paths) {
    for (String p : paths) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }
}
