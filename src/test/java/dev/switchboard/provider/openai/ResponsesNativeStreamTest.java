package dev.switchboard.provider.openai;

import dev.switchboard.api.Usage;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.StreamRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden tests of the native Responses relay: OpenAI Responses streams come out byte for byte as they went in
 * ({@code sequence_number}s kept), however the bytes are split, while the gateway reads usage, the commit point, the
 * end and a failed response.
 */
class ResponsesNativeStreamTest {

  private static StreamRun run(String fixture, int readSize) {
    return StreamRun.of(new ResponsesNativeStream(), Fixtures.bytes("responses/native/" + fixture), readSize);
  }

  private static String relayed(StreamRun run) {
    return String.join("", run.payloads());
  }

  /** Reads of 1, 2, 3 and 7 bytes split every event, line and multi-byte character; 65536 is one read. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 65536})
  void aTextStreamWithUnicodeIsRelayedUnchangedWithItsUsage(int readSize) {
    StreamRun run = run("text.sse", readSize);

    assertThat(relayed(run)).isEqualTo(Fixtures.text("responses/native/text.sse"));
    assertThat(run.payloads()).hasSize(13);
    assertThat(run.preamble()).as("created, in_progress, item and part added wait for the first delta").isEqualTo(4);
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().error()).isNull();
    assertThat(run.translator().usage()).isEqualTo(new Usage(36, 9, 45, 12));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 65536})
  void parallelFunctionCallsWithArgumentsOverManyDeltasAreRelayedUnchanged(int readSize) {
    StreamRun run = run("tools.sse", readSize);

    assertThat(relayed(run)).isEqualTo(Fixtures.text("responses/native/tools.sse"));
    assertThat(run.preamble()).isEqualTo(3);
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().usage()).isEqualTo(new Usage(80, 40, 120, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 65536})
  void anIncompleteResponseEndsTheStreamNormally(int readSize) {
    StreamRun run = run("incomplete.sse", readSize);

    assertThat(relayed(run)).isEqualTo(Fixtures.text("responses/native/incomplete.sse"));
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().usage()).isEqualTo(new Usage(5, 16, 21, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 65536})
  void aFailedResponseAfterContentFailsTheStreamAndIsNotRelayed(int readSize) {
    StreamRun run = run("failed-midstream.sse", readSize);

    String source = Fixtures.text("responses/native/failed-midstream.sse");
    assertThat(relayed(run)).isEqualTo(source.substring(0, source.indexOf("event: response.failed")));
    assertThat(run.translator().error().message()).isEqualTo("The model crashed.");
    assertThat(run.translator().error().code()).isEqualTo("server_error");
    assertThat(run.translator().emittedContent()).isTrue();
    assertThat(run.translator().done()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 65536})
  void aFailedResponseBeforeContentLeavesTheChainFreeToFailOver(int readSize) {
    StreamRun run = run("failed-before-content.sse", readSize);

    assertThat(run.translator().error()).isNotNull();
    assertThat(run.translator().emittedContent()).isFalse();
  }
}
