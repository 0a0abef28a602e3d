package dev.switchboard.e2e;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway in front of WireMock playing Azure OpenAI's deployment URLs. */
class AzureGatewayTest {
  private static final String KEY = "3f9a1c2b7d8e4f60a1b2c3d4e5f60718";

  private FakeProvider upstream;
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.empty().providerEntry(upstream.providerYaml("az", "azure", "", KEY,
        List.of("text-embedding-3-small"),
        "    api_version: 2025-01-01-preview",
        "    deployments: {gpt-4o: prod-gpt4o}",
        "    timeouts: {connect: 1s, first_byte: 3s, idle: 3s, total: 10s}")).start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private LoggedRequest onlyRequest() {
    List<LoggedRequest> all = upstream.server().findAll(anyRequestedFor(anyUrl()));
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void chatGoesToTheDeploymentWithApiVersionAndApiKey() throws Exception {
    String reply = FakeProvider.chatCompletion("chatcmpl-az", "gpt-4o-2024-11-20", "from azure").encode();
    upstream.stub(post(urlPathEqualTo("/openai/deployments/prod-gpt4o/chat/completions"))
        .willReturn(FakeProvider.jsonReply(200, reply)));
    String body = Requests.chat("gpt-4o", "hi").with("seed", 3).toString();

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", body);

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(reply);
    LoggedRequest sent = onlyRequest();
    assertThat(sent.getUrl()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-01-01-preview");
    assertThat(sent.getHeader("api-key")).isEqualTo(KEY);
    assertThat(sent.containsHeader("Authorization")).isFalse();
    assertThat(new JsonObject(sent.getBodyAsString())).isEqualTo(new JsonObject(body));
  }

  @Test
  void aModelWithoutADeploymentEntryIsItsOwnDeployment() throws Exception {
    upstream.stub(post(urlPathEqualTo("/openai/deployments/text-embedding-3-small/embeddings"))
        .willReturn(FakeProvider.jsonReply(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.1]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}")));

    HttpResponse<String> resp = gateway.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(onlyRequest().getUrl())
        .isEqualTo("/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-01-01-preview");
  }

  @Test
  void streamPassesThroughAndTheFilterResultsChunkDoesNotCommitIt() throws Exception {
    String filter = "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
        + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,"
        + "\"severity\":\"safe\"}}}]}";
    List<String> chunks = new ArrayList<>();
    chunks.add(filter);
    chunks.addAll(FakeProvider.chatChunks("chatcmpl-az", "gpt-4o", "Hel", "lo"));
    upstream.stub(post(urlPathEqualTo("/openai/deployments/prod-gpt4o/chat/completions"))
        .willReturn(FakeProvider.sseReply(FakeProvider.sse(chunks))));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions",
        Requests.chat("gpt-4o", "hi").stream().toString());

    List<String> expected = new ArrayList<>(chunks.subList(0, chunks.size() - 1));
    expected.add("[DONE]");
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(expected);
    assertThat(new JsonObject(onlyRequest().getBodyAsString()).getJsonObject("stream_options")
        .getBoolean("include_usage")).isTrue();
  }

  @Test
  void aFailureRightAfterTheFilterResultsChunkIsStillACleanHttpError() throws Exception {
    String filter = "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
        + "\"prompt_filter_results\":[]}";
    upstream.stub(post(urlPathEqualTo("/openai/deployments/prod-gpt4o/chat/completions"))
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
            .withBody("data: " + filter + "\n\n")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions",
        Requests.chat("gpt-4o", "hi").stream().toString());

    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(resp.body()).getJsonObject("error").getString("code")).isEqualTo("stream_interrupted");
  }
}
