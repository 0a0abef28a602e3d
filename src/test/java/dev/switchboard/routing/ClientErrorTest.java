package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client's own request refused by the provider is final: passed back as the provider gave it, never retried
 * and never tried elsewhere (every provider would refuse it too, and each try costs). The one exception: a prompt
 * too long for this target's context moves to a target configured with a larger context window, if there is one.
 */
class ClientErrorTest extends RoutingTestBase {
  private static final String MODELS = """
      models:
        smart:
          strategy: priority
          targets:
            - {provider: a, model: m1, context_window: 8000}
            - {provider: b, model: m1, context_window: 128000}
        shrinking:
          strategy: priority
          targets:
            - {provider: a, model: m1, context_window: 8000}
            - {provider: b, model: m1, context_window: 4000}
        unsized:
          strategy: priority
          targets:
            - {provider: a, model: m1}
            - {provider: b, model: m1}
      """;

  private void contextTooLongAtA() {
    a.error("/chat/completions", 400, "invalid_request_error", "context_length_exceeded",
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.");
  }

  @Test
  void invalidRequestIsNeitherRetriedNorFailedOver() throws Exception {
    a.error("/chat/completions", 400, "invalid_request_error", "invalid_value",
        "Invalid value for 'temperature': must be at most 2.");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo("invalid_value");
    assertThat(error.getString("message")).contains("temperature");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:400");
    assertThat(header(resp, "x-switchboard-provider")).as("a failed request names no provider").isNull();
    assertThat(received(a)).isEqualTo(1);
    assertThat(received(b)).as("the secondary is not burnt on the client's mistake").isZero();

    // And it says nothing against a: its circuit stays closed and it keeps its place.
    for (int i = 0; i < 5; i++) {
      assertThat(chat("m1").statusCode()).isEqualTo(400);
    }
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(received(b)).isZero();
  }

  @Test
  void unprocessableEntityIsFinalToo() throws Exception {
    a.error("/chat/completions", 422, "invalid_request_error", null, "Unprocessable: messages[0].role");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).isEqualTo(422);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:422");
    assertThat(received(b)).isZero();
  }

  @Test
  void contextLengthExceededMovesToATargetWithALargerContext() throws Exception {
    contextTooLongAtA();
    start(routing("priority") + twoProviders() + MODELS);

    HttpResponse<String> resp = chat("smart");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:400,b:200");
    assertThat(received(a)).isEqualTo(1);
  }

  @Test
  void contextLengthExceededIsFinalWithoutALargerTarget() throws Exception {
    contextTooLongAtA();
    start(routing("priority") + twoProviders() + MODELS);

    for (String model : new String[] {"shrinking", "unsized", "m1"}) {
      HttpResponse<String> resp = chat(model);

      assertThat(resp.statusCode()).as("%s: %s", model, resp.body()).isEqualTo(400);
      JsonObject error = error(resp);
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
      assertThat(error.getString("message")).contains("maximum context length");
      assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:400");
    }
    assertThat(received(a)).isEqualTo(3);
    assertThat(received(b)).isZero();
  }

  /** 404 moves on (the next target may know the model); when every target says 404, that is the answer, not a 503. */
  @Test
  void notFoundEverywhereIsTheProvidersNotFoundNotA503() throws Exception {
    start(routing("priority") + twoProviders());
    a.error("/chat/completions", 404, "invalid_request_error", "model_not_found", "The model does not exist at a");
    b.error("/chat/completions", 404, "invalid_request_error", "model_not_found", "The model does not exist at b");

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).isEqualTo(404);
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("model_not_found");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:404,b:404");
    assertThat(header(resp, "x-should-retry")).isNull();
  }
}
