package dev.switchboard.usage;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The ledger row a finished request gets: provider usage and its cost, the gateway's estimate without one. */
class LedgerListenerTest {
  private static final long MS = 1_000_000;
  private final ProviderRegistry providers = new ProviderRegistry(ConfigLoader.fromYaml("""
      providers:
        priced:
          type: openai
          base_url: http://127.0.0.1:9/v1
          models:
            - {name: gpt-4o, input_price: 2.5, output_price: 10, cached_input_price: 1.25}
      """, Map.of()));
  /** The tokenizer stands in as a fixed count, so the estimate is checked, not the tokenizer. */
  private final LedgerListener ledger = new LedgerListener(null, providers, request -> 42, () -> 1_700_000_000_000L);

  private static GatewayRequest request(Endpoint endpoint, boolean stream) {
    return new GatewayRequest("req-1", endpoint, "gpt-4o", stream, false, new JsonObject(), Buffer.buffer(), "team",
        null, null, 0);
  }

  private static RequestOutcome outcome(GatewayRequest request, String provider, int status, Usage usage, int events,
                                        boolean degraded, boolean cacheHit, Usage saved) {
    return new RequestOutcome("req-1", "POST", "/v1/chat/completions", "chat", request, "team", provider,
        provider == null ? null : "gpt-4o", List.of(provider == null ? "priced:503" : provider + ":200"), status,
        status < 400 ? ClientReply.Outcome.OK : ClientReply.Outcome.UPSTREAM_ERROR, null, events, usage,
        cacheHit ? "HIT" : "MISS", cacheHit, saved, degraded, null, 10 * MS, 60 * MS, 260 * MS, true, 100);
  }

  @Test
  void reportedUsageIsCostedAtTheModelsPrice() {
    LedgerRow row = ledger.row(outcome(request(Endpoint.CHAT, false), "priced", 200, new Usage(1000, 500, 1500, 400),
        0, false, false, Usage.NONE));

    assertThat(row.promptTokens()).isEqualTo(1000);
    assertThat(row.completionTokens()).isEqualTo(500);
    assertThat(row.cachedTokens()).isEqualTo(400);
    // 600 uncached at 2.5, 400 cached at 1.25, 500 out at 10, per million.
    assertThat(row.cost()).isCloseTo((600 * 2.5 + 400 * 1.25 + 500 * 10) / 1e6, within(1e-12));
    assertThat(row.estimated()).isFalse();
    assertThat(row.latencyMillis()).isEqualTo(250);
    assertThat(row.ttftMillis()).isEqualTo(50);
    assertThat(row.timeMillis()).isEqualTo(1_700_000_000_000L);
    assertThat(row.attempts()).isEqualTo("priced:200");
    assertThat(row.model()).isEqualTo("gpt-4o");
  }

  @Test
  void aStreamWithoutUsageIsEstimatedFromThePromptAndTheEventsSent() {
    LedgerRow row = ledger.row(outcome(request(Endpoint.CHAT, true), "priced", 200, Usage.NONE, 12, false, false,
        Usage.NONE));

    assertThat(row.estimated()).isTrue();
    assertThat(row.promptTokens()).isEqualTo(42);
    // Role and finish chunks carry no token: the events less two.
    assertThat(row.completionTokens()).isEqualTo(10);
    assertThat(row.cost()).isCloseTo((42 * 2.5 + 10 * 10) / 1e6, within(1e-12));
  }

  @Test
  void nothingIsEstimatedOrCostedForFailuresDegradedRepliesOrBinaryEndpointsWithoutEvents() {
    LedgerRow failed = ledger.row(outcome(request(Endpoint.CHAT, false), null, 503, Usage.NONE, 0, false, false,
        Usage.NONE));
    LedgerRow degraded = ledger.row(outcome(request(Endpoint.CHAT, false), "priced", 200, Usage.NONE, 0, true, false,
        Usage.NONE));
    LedgerRow speech = ledger.row(outcome(request(Endpoint.SPEECH, false), "priced", 200, Usage.NONE, 0, false, false,
        Usage.NONE));

    for (LedgerRow row : List.of(failed, degraded, speech)) {
      assertThat(row.estimated()).isFalse();
      assertThat(row.promptTokens()).isZero();
      assertThat(row.cost()).isZero();
    }
    assertThat(failed.provider()).isNull();
    assertThat(failed.ttftMillis()).isEqualTo(50);
  }

  @Test
  void aCacheHitRecordsTheTokensItSavedAtNoCost() {
    LedgerRow row = ledger.row(outcome(request(Endpoint.CHAT, false), "cache", 200, Usage.NONE, 0, false, true,
        new Usage(300, 20, 320, 0)));

    assertThat(row.cacheHit()).isTrue();
    assertThat(row.provider()).isEqualTo("cache");
    assertThat(row.promptTokens()).isEqualTo(300);
    assertThat(row.completionTokens()).isEqualTo(20);
    assertThat(row.cost()).isZero();
    assertThat(row.ttftMillis()).isEqualTo(-1);
    assertThat(row.attempts()).isEmpty();
  }

  @Test
  void theRowsAttemptsReadAsTheHeaderDoesForNoneOneAndSeveral() {
    for (List<String> attempts : List.of(List.<String>of(), List.of("priced:200"), List.of("a:503", "a:timeout",
        "priced:200"))) {
      RequestOutcome o = new RequestOutcome("req-1", "POST", "/v1/chat/completions", "chat",
          request(Endpoint.CHAT, false), "team", "priced", "gpt-4o", attempts, 200, ClientReply.Outcome.OK, null, 0,
          new Usage(1, 1, 2, 0), "MISS", false, Usage.NONE, false, null, 10 * MS, 60 * MS, 260 * MS, true, 100);
      assertThat(ledger.row(o).attempts()).isEqualTo(String.join(",", attempts));
    }
  }
}
