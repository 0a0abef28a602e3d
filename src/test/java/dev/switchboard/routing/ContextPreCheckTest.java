package dev.switchboard.routing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt whose token estimate plus max_tokens exceeds a target's configured context_window skips that target
 * before anything is sent; none left is OpenAI's 400 context_length_exceeded, with no upstream call at all.
 */
class ContextPreCheckTest extends RoutingTestBase {
  private static final String MODELS = """
      models:
        sized:
          strategy: priority
          targets:
            - {provider: a, model: m1, context_window: 500}
            - {provider: b, model: m1, context_window: 128000}
        tiny:
          strategy: priority
          targets:
            - {provider: a, model: m1, context_window: 100}
            - {provider: b, model: m1, context_window: 200}
        unsized:
          strategy: priority
          targets:
            - {provider: a, model: m1}
            - {provider: b, model: m1}
      """;

  /** About 600 tokens of prompt: "word " is one o200k token. */
  private static String longPrompt(String model, Integer maxTokens) {
    JsonObject body = new JsonObject().put("model", model).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "word ".repeat(600))));
    return (maxTokens == null ? body : body.put("max_tokens", maxTokens)).encode();
  }

  @Test
  void aPromptTooLongForTheFirstTargetSkipsItWithoutAnUpstreamCall() throws Exception {
    start(routing("priority") + twoProviders() + MODELS);

    HttpResponse<String> resp = gateway.post(CHAT_PATH, longPrompt("sized", null));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("b:200");
    assertThat(header(resp, "x-switchboard-route")).as("a was never a candidate").isEqualTo(
        "strategy=priority; order=b");
    assertThat(received(a)).as("the small-window target saw nothing").isZero();

    HttpResponse<String> unsized = gateway.post(CHAT_PATH, longPrompt("unsized", 100_000));
    assertThat(servedBy(unsized)).as("a target without a configured window is never skipped").isEqualTo("a");
  }

  @Test
  void maxTokensCountsTowardsTheWindow() throws Exception {
    start(routing("priority") + twoProviders() + MODELS);

    HttpResponse<String> fits = chat("sized");
    assertThat(servedBy(fits)).as("a short prompt fits a's window").isEqualTo("a");
    HttpResponse<String> roomy = gateway.post(CHAT_PATH, new JsonObject(chatBody("sized")).put("max_tokens", 1000)
        .encode());

    assertThat(servedBy(roomy)).as("a short prompt asking for 1000 tokens of completion does not").isEqualTo("b");
    assertThat(received(a)).isEqualTo(1);
  }

  @Test
  void noTargetLargeEnoughIsA400ContextLengthExceededWithNoUpstreamCall() throws Exception {
    start(routing("priority") + twoProviders() + MODELS);

    HttpResponse<String> resp = gateway.post(CHAT_PATH, longPrompt("tiny", 50));

    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error.getString("param")).isEqualTo("messages");
    assertThat(error.getString("message")).contains("model 'tiny'").contains("a: context window 100 tokens")
        .contains("b: context window 200 tokens").contains("+ 50 for the completion");
    assertThat(resp.headers().firstValue("x-should-retry")).hasValue("false");
    assertThat(received(a) + received(b)).isZero();
  }

  @Test
  void whenAnotherTargetIsOutForItsOwnReasonTheAnswerIsTheUsual503() throws Exception {
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", "") + provider("b", b, "m1", "enabled: false")
        + MODELS);

    HttpResponse<String> resp = gateway.post(CHAT_PATH, longPrompt("tiny", null));

    assertThat(resp.statusCode()).as("b might serve once enabled: not the request's fault alone").isEqualTo(503);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("no_provider_available");
    assertThat(error.getString("message")).contains("a: context window 100 tokens").contains("b: disabled");
  }
}
