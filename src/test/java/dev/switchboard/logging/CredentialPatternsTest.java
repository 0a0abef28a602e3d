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
  void theIndexOfFilterAnswersAsTheCharacterByCharacterOneDid() {
    String[] pieces = {"sk", "-", "_", "k", "i", "AI", "za", "A", "Iza", "b", "B", "e", "E", "arer", "ARER", "aRer",
        "bearer", "x", " ", "\"", "é", "ı", "I", "z", "a", "r", "0"};
    java.util.Random random = new java.util.Random(17);
    for (int n = 0; n < 200_000; n++) {
      StringBuilder sb = new StringBuilder();
      int parts = random.nextInt(8);
      for (int p = 0; p < parts; p++) {
        sb.append(pieces[random.nextInt(pieces.length)]);
      }
      String text = sb.toString();
      assertThat(CredentialPatterns.mayHoldOne(text)).as(text).isEqualTo(characterByCharacter(text));
    }
  }

  /** The filter as it was before issue 17's last round: one pass testing every character (the oracle). */
  private static boolean characterByCharacter(String text) {
    for (int i = 1; i < text.length(); i++) {
      char c = text.charAt(i);
      char before = text.charAt(i - 1);
      if ((c == '-' || c == '_') && (before == 'k' || before == 'i')) {
        return true;
      }
      if (c == 'I' && before == 'A' && text.startsWith("za", i + 1)) {
        return true;
      }
      if ((c == 'e' || c == 'E') && (before == 'b' || before == 'B') && text.regionMatches(true, i + 1, "arer", 0, 4)) {
        return true;
      }
    }
    return false;
  }
}
