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
}
