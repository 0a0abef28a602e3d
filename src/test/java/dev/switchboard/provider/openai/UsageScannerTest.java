package dev.switchboard.provider.openai;

import dev.switchboard.api.Usage;
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
  void removesOnlyTheTopLevelNullUsageMember() {
    assertThat(str(UsageScanner.withoutNullUsage(bytes("{\"id\":\"c\",\"choices\":[],\"usage\":null}"))))
        .isEqualTo("{\"id\":\"c\",\"choices\":[]}");
    assertThat(str(UsageScanner.withoutNullUsage(bytes("{\"usage\" : null , \"id\":\"c\"}"))))
        .as("first member: the comma after it goes").isEqualTo("{\"id\":\"c\"}");
    assertThat(str(UsageScanner.withoutNullUsage(bytes("{\"a\":1, \"usage\":null,\"b\":2}"))))
        .isEqualTo("{\"a\":1,\"b\":2}");
    assertThat(str(UsageScanner.withoutNullUsage(bytes("{\"usage\":null}")))).isEqualTo("{}");
  }

  @Test
  void leavesUsageThatIsNotATopLevelNull() {
    String[] untouched = {
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}",
        "{\"choices\":[{\"delta\":{\"usage\":null}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"say \\\"usage\\\":null, ok\"}}]}",
        "{\"note\":\"usage\",\"x\":null}",
        "{\"meta\":{\"usage\":null},\"id\":\"c\"}",
    };
    for (String chunk : untouched) {
      byte[] b = bytes(chunk);
      assertThat(UsageScanner.withoutNullUsage(b)).as(chunk).isSameAs(b);
    }
  }

  private static String str(byte[] b) {
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
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
