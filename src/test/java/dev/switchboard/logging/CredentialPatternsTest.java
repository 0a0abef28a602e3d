package dev.switchboard.logging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-pass filter never lets a credential skip the regex, and spares the lines that cannot hold one. */
class CredentialPatternsTest {
  @Test
  void everyCredentialShapeIsScrubbed() {
    for (String secret : new String[] {"sk-proj-abcdefgh12345678", "sk_live_abcdefgh1234", "gsk_abcdefgh12345678",
        "xai-abcdefgh12345678", "pk-abcdefgh12345678", "rk_abcdefgh12345678", "sk-ant-api03-abcdefgh",
        "AIzaSyA1234567890abcdefghijk", "Bearer abcdefgh.ijkl", "bearer abcdefgh12", "BEARER abcdefgh12"}) {
      String line = "upstream said: " + secret + " (end)";
      assertThat(CredentialPatterns.mayHoldOne(line)).as(secret).isTrue();
      assertThat(CredentialPatterns.scrub(line)).as(secret).doesNotContain(secret)
          .contains(CredentialPatterns.REDACTED);
    }
  }

  @Test
  void anAccessLogLineSkipsTheRegex() {
    String line = "{\"ts\":\"2026-12-06T16:49:23.175Z\",\"type\":\"access\",\"request_id\":\"req_c0c7c6e1e799e48f\","
        + "\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"status\":200,\"outcome\":\"ok\",\"duration_ms\":"
        + "23.71,\"client\":\"team\",\"model\":\"gpt-4o-mini\",\"provider\":\"openai\",\"stream\":false,"
        + "\"cache\":\"bypass\",\"attempts\":\"openai:200\",\"ttft_ms\":12.5}";
    assertThat(CredentialPatterns.mayHoldOne(line)).isFalse();
    assertThat(CredentialPatterns.scrub(line)).isSameAs(line);
  }

  @Test
  void theFilterPassesEveryTextTheRegexWouldChange() {
    String[] pieces = {"sk", "pk", "rk", "gsk", "xai", "xa", "i", "k", "s", "-", "_", "AIza", "AI", "za",
        "SyA1234567890abcdefghijk", "abcdefgh1234", "b", "B", "e", "E", "arer", "ARER", "aRer", "bearer", "Bearer",
        " ", "x", "\"", "é", "ı", "mini", "gemini", "0", "*"};
    java.util.Random random = new java.util.Random(17);
    int matched = 0;
    for (int n = 0; n < 300_000; n++) {
      StringBuilder sb = new StringBuilder();
      int parts = random.nextInt(9);
      for (int p = 0; p < parts; p++) {
        sb.append(pieces[random.nextInt(pieces.length)]);
      }
      String text = sb.toString();
      if (CredentialPatterns.LOOKS_LIKE_KEY.matcher(text).find()) {
        matched++;
        assertThat(CredentialPatterns.mayHoldOne(text)).as(text).isTrue();
      }
    }
    assertThat(matched).as("the generator makes credentials too").isGreaterThan(1_000);
  }

  @Test
  void datedAndGeminiModelNamesDoNotSendALineToTheRegex() {
    for (String model : new String[] {"gpt-4o-mini-2024-07-18", "gemini-2.0-flash", "o1-mini", "deepseek-chat",
        "claude-3-5-haiku-latest", "grok-2-1212"}) {
      assertThat(CredentialPatterns.mayHoldOne("{\"model\":\"" + model + "\"}")).as(model).isFalse();
    }
  }
}
