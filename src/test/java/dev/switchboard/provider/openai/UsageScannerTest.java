package dev.switchboard.provider.openai;

import dev.switchboard.provider.Usage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UsageScannerTest {

  @Test
  void findsUsageAtTheEndOfAReply() {
    Usage u = UsageScanner.find(bytes("{\"id\":\"x\",\"choices\":[],\"usage\": {\"prompt_tokens\":12,"
        + "\"completion_tokens\":5,\"total_tokens\":17,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n"));
    assertThat(u).isEqualTo(new Usage(12, 5, 17, 4));
  }

  @Test
  void ignoresTheWordUsageInsideContentAndAsAValue() {
    String body = "{\"choices\":[{\"message\":{\"content\":\"my \\\"usage\\\": {\\\"prompt_tokens\\\":999}\"}}],"
        + "\"note\":\"usage\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
    assertThat(UsageScanner.find(bytes(body))).isEqualTo(new Usage(1, 2, 3, 0));
    String noUsage = "{\"choices\":[{\"message\":{\"content\":\"the \\\"usage\\\": {} word\"}}],\"tag\":\"usage\"}";
    assertThat(UsageScanner.find(bytes(noUsage))).isEqualTo(Usage.NONE);
  }

  @Test
  void usageBeforeOtherFieldsAndNullUsage() {
    assertThat(UsageScanner.find(bytes("{\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7},\"data\":[{\"x\":\"}\"}]}")))
        .isEqualTo(new Usage(7, 0, 7, 0));
    assertThat(UsageScanner.find(bytes("{\"usage\":null}"))).isEqualTo(Usage.NONE);
    assertThat(UsageScanner.find(bytes("{\"usage\":{\"prompt_tokens\":7"))).isEqualTo(Usage.NONE);
  }

  @Test
  void recognisesErrorBodies() {
    assertThat(UsageScanner.startsWithErrorKey(bytes(" { \"error\" : {\"message\":\"x\"}}"))).isTrue();
    assertThat(UsageScanner.startsWithErrorKey(bytes("{\"id\":\"x\",\"error\":null}"))).isFalse();
  }

  private static byte[] bytes(String text) {
    return Buffer.buffer(text).getBytes();
  }
}
