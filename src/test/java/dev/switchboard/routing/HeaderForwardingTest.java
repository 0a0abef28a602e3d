package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** What of the client's headers reaches the provider: ids and trace context always, the allow-list, never auth. */
class HeaderForwardingTest {
  private static final String PATH = "/v1/chat/completions";
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider up = closer.register(new FakeProvider());
  private final FakeProvider other = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  @Test
  void theRequestIdAndTraceContextAlwaysReachTheProvider() throws Exception {
    up.chatJson("hi");
    gateway = closer.register(TestConfig.oneProvider(up).start());
    HttpResponse<String> own = gateway.chat(Requests.chat("gpt-real", "hi"), "x-request-id", "client-req-42",
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "v=1");
    assertThat(own.statusCode()).isEqualTo(200);
    LoggedRequest sent = up.onlyRequest(PATH);
    assertThat(sent.getHeader("x-request-id")).isEqualTo("client-req-42");
    assertThat(sent.getHeader("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assertThat(sent.getHeader("tracestate")).isEqualTo("v=1");

    up.server().resetRequests();
    HttpResponse<String> generated = gateway.chat(Requests.chat("gpt-real", "hi"));
    String id = generated.headers().firstValue("x-request-id").orElseThrow();
    assertThat(up.onlyRequest(PATH).getHeader("x-request-id")).as("the gateway's own id when the client sent none")
        .isEqualTo(id).startsWith("req_");
    assertThat(up.onlyRequest(PATH).containsHeader("traceparent")).isFalse();
  }

  @Test
  void onlyTheProvidersAllowListIsForwardedAndNeverAuthOrHopByHopHeaders() throws Exception {
    up.chatJson("from up");
    other.chatJson("from other");
    gateway = closer.register(TestConfig.empty().clientKey("team", "sk-client-key-1")
        .provider("up", up, TestConfig.PROVIDER_KEY, "gpt-real")
        .with("forward_headers: [OpenAI-Organization, OpenAI-Project, x-team-tag]")
        .provider("other", other, "sk-other", "gpt-other")
        .start());
    String[] headers = {"Authorization", "Bearer sk-client-key-1", "OpenAI-Organization", "org-1",
        "OpenAI-Project", "proj-9", "x-team-tag", "blue", "x-not-listed", "nope", "Cookie", "session=secret",
        "x-api-key", "sk-client-key-1"};

    assertThat(gateway.chat(Requests.chat("gpt-real", "hi"), headers).statusCode()).isEqualTo(200);
    LoggedRequest sent = up.onlyRequest(PATH);
    assertThat(sent.getHeader("OpenAI-Organization")).isEqualTo("org-1");
    assertThat(sent.getHeader("OpenAI-Project")).isEqualTo("proj-9");
    assertThat(sent.getHeader("x-team-tag")).isEqualTo("blue");
    assertThat(sent.containsHeader("x-not-listed")).isFalse();
    assertThat(sent.containsHeader("Cookie")).isFalse();
    assertThat(sent.containsHeader("x-api-key")).isFalse();
    assertThat(sent.getHeader("Authorization")).as("the provider's own key, never the client's")
        .isEqualTo("Bearer " + TestConfig.PROVIDER_KEY);
    assertThat(sent.getBodyAsString()).doesNotContain("sk-client-key-1");

    assertThat(gateway.chat(Requests.chat("gpt-other", "hi"), headers).statusCode()).isEqualTo(200);
    LoggedRequest toOther = other.onlyRequest(PATH);
    assertThat(toOther.containsHeader("OpenAI-Organization")).as("the list is per provider").isFalse();
    assertThat(toOther.containsHeader("x-team-tag")).isFalse();
    assertThat(toOther.getHeader("x-request-id")).isNotBlank();
  }
}
