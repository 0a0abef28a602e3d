package dev.switchboard.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import dev.switchboard.testing.LogCapture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The access-log line, written by hand into a reused builder, is the same JSON the JSON tree used to encode. */
class AccessLogTest {
  private static final long MS = 1_000_000;
  /** 2023-11-14T22:13:20.123Z */
  private final AtomicLong wall = new AtomicLong(1_700_000_000_123L);
  private final AccessLog log = new AccessLog(true, wall::get);

  private static GatewayRequest request(String clientKey, String model) {
    return new GatewayRequest("req-1", Endpoint.CHAT, model, true, false, new JsonObject(), Buffer.buffer(), clientKey,
        null, null, 0);
  }

  private static RequestOutcome outcome(GatewayRequest request, String provider, List<String> attempts, int status,
                                        ClientReply.Outcome how, ApiError error, Usage usage, String cache,
                                        boolean hit, Usage saved, boolean degraded, long firstTokenNanos) {
    return new RequestOutcome("req-1", "POST", "/v1/chat/completions", "chat", request, "team", provider,
        provider == null ? null : "gpt-4o-2024", attempts, status, how, error, 3, usage, cache, hit, saved, degraded,
        null, 10 * MS, firstTokenNanos, 10 * MS + 12_345_678, true, 100);
  }

  @Test
  void aServedStreamHasEveryFieldInOrder() {
    String line = log.line(outcome(request("team", "gpt-4o"), "openai", List.of("azure:503", "openai:200"), 200,
        ClientReply.Outcome.OK, null, new Usage(11, 7, 18, 0), "MISS", false, Usage.NONE, false, 10 * MS + 70 * 10_000));
    assertThat(line).isEqualTo("{\"ts\":\"2023-11-14T22:13:20.123Z\",\"type\":\"access\",\"request_id\":\"req-1\","
        + "\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"status\":200,\"outcome\":\"ok\","
        + "\"duration_ms\":12.35,\"client\":\"team\",\"model\":\"gpt-4o\",\"stream\":true,\"cache\":\"miss\","
        + "\"provider\":\"openai\",\"upstream_model\":\"gpt-4o-2024\",\"attempts\":\"azure:503,openai:200\","
        + "\"ttft_ms\":0.7,\"prompt_tokens\":11,\"completion_tokens\":7}");
  }

  @Test
  void aCacheHitSaysWhatItSavedAndAnErrorItsCode() {
    JsonObject hit = new JsonObject(log.line(outcome(request("team", "m"), "cache", List.of(), 200,
        ClientReply.Outcome.OK, null, Usage.NONE, "HIT", true, new Usage(5, 6, 11, 0), false, 0)));
    assertThat(hit.getString("cache")).isEqualTo("hit");
    assertThat(hit.getLong("saved_prompt_tokens")).isEqualTo(5);
    assertThat(hit.getLong("saved_completion_tokens")).isEqualTo(6);
    assertThat(hit.containsKey("prompt_tokens")).as("nothing spent").isFalse();
    assertThat(hit.containsKey("attempts")).isFalse();
    assertThat(hit.containsKey("ttft_ms")).isFalse();

    JsonObject failed = new JsonObject(log.line(outcome(request("team", "m"), null, List.of("a:503"), 503,
        ClientReply.Outcome.UPSTREAM_ERROR, new ApiError(503, ApiError.SERVER, "x", null, "no_provider_available"),
        Usage.NONE, "BYPASS", false, Usage.NONE, true, 0)));
    assertThat(failed.getString("error_code")).isEqualTo("no_provider_available");
    assertThat(failed.getBoolean("degraded")).isTrue();
    assertThat(failed.getString("outcome")).isEqualTo("upstream_error");
    assertThat(failed.containsKey("provider")).isFalse();
  }

  @Test
  void aRequestRefusedBeforeParsingHasNoRequestFieldsAndNullsStayJsonNulls() {
    JsonObject refused = new JsonObject(log.line(outcome(null, null, List.of(), 401, null, null, Usage.NONE,
        "BYPASS", false, Usage.NONE, false, 0)));
    assertThat(refused.getInteger("status")).isEqualTo(401);
    assertThat(refused.containsKey("outcome")).isTrue();
    assertThat(refused.getValue("outcome")).isNull();
    assertThat(refused.containsKey("client")).isFalse();
  }

  @Test
  void clientChosenStringsAreEscaped() {
    String model = "a\"b\\c\nd\te\u0001é☃";
    String line = log.line(outcome(request("k\"ey", model), null, List.of(), 400, ClientReply.Outcome.CLIENT_ERROR,
        null, Usage.NONE, "BYPASS", false, Usage.NONE, false, 0));
    JsonObject parsed = new JsonObject(line);
    assertThat(parsed.getString("model")).isEqualTo(model);
    assertThat(parsed.getString("client")).isEqualTo("k\"ey");
    assertThat(line).doesNotContain("\n").contains("\\u0001");
  }

  @Test
  void theTimestampFollowsTheClockAcrossSecondsAndTheBuilderIsReused() {
    RequestOutcome o = outcome(request("team", "m"), null, List.of(), 200, ClientReply.Outcome.OK, null, Usage.NONE,
        "BYPASS", false, Usage.NONE, false, 0);
    assertThat(new JsonObject(log.line(o)).getString("ts")).isEqualTo("2023-11-14T22:13:20.123Z");
    wall.set(1_700_000_001_007L);
    assertThat(new JsonObject(log.line(o)).getString("ts")).isEqualTo("2023-11-14T22:13:21.007Z");
    wall.set(1_700_000_001_999L);
    assertThat(new JsonObject(log.line(o)).getString("ts")).isEqualTo("2023-11-14T22:13:21.999Z");
    wall.set(1_700_000_060_000L);
    assertThat(new JsonObject(log.line(o)).getString("ts")).isEqualTo("2023-11-14T22:14:20.000Z");
  }

  @Test
  void theLineGoesToLogbacksAccessLoggerAndFollowsItsLevel() {
    RequestOutcome o = outcome(request("team", "m"), null, List.of(), 200, ClientReply.Outcome.OK, null, Usage.NONE,
        "BYPASS", false, Usage.NONE, false, 0);
    ch.qos.logback.classic.Logger access = ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger("switchboard.access");
    try (LogCapture capture = LogCapture.start("switchboard.access")) {
      log.finished(o);
      access.setLevel(Level.OFF); // what logging.levels {switchboard.access: off} and its reload do
      log.finished(o);
      access.setLevel(null);
      log.finished(o);

      assertThat(capture.messages()).as("logged, silenced, inherited again").containsExactly(log.line(o), log.line(o));
    } finally {
      access.setLevel(null);
    }
  }
}
