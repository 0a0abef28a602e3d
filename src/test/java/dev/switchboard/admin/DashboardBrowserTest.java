package dev.switchboard.admin;

import dev.switchboard.demo.Demo;
import dev.switchboard.demo.SimulatedProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
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
 * outage, and shows an admin action. Leaves a screenshot at target/dashboard.png.
 */
class DashboardBrowserTest {
  private static final String CHROMIUM = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser");
  private static final String DRIVER = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
  private static Demo demo;
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
    demo = Demo.start(0, behaviours, 6).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

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
    // The key is in session storage, never in the URL.
    assertThat(browser.getCurrentUrl()).doesNotContain(Demo.ADMIN_KEY + "&").endsWith("/dashboard");
    Object stored = ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript("return sessionStorage.getItem('switchboard.adminKey')");
    assertThat(stored).isEqualTo(Demo.ADMIN_KEY);

    // A simulated outage: the card turns down within seconds.
    demo.provider("sometimes-down").outage(Duration.ofMinutes(5));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(state("sometimes-down")).isEqualTo("down");
      assertThat(card("sometimes-down").findElement(By.cssSelector(".badge")).getText()).isEqualToIgnoringCase("down");
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
