package dev.switchboard.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The tokenizer-free admission estimate stays within its documented error of o200k on every kind of text. */
class PromptSizeTest {
  private static final String PROSE = "Switchboard sits between your applications and the model providers. Every "
      + "request is authenticated, checked against its key's limits and budget, looked up in the cache, and then "
      + "routed to the best provider that can serve the model: healthy, not rate limited, within budget, and scored "
      + "on latency, cost and errors. When a provider fails, the request moves on to the next one before the client "
      + "sees anything.\n\n## Quick start\n\nRun the jar with the default configuration, which starts on port 8080.";
  private static final String CODE = """
      public Future<Boolean> acquire(Target t, long estimate) {
        Provider p = t.provider();
        Limits pl = p.config().limits();
        if (!pl.limited() && !ml.limited()) {
          return Future.succeededFuture(true);
        }
        return buckets.take(providerBucket(p.id()), pl, estimate).map(Buckets.Take::admitted);
      }
      """;
  private static final String JSON = "{\"id\":\"chatcmpl-B9MHDbslfQmkWaRC6kRbKFzMOeQwa\",\"object\":"
      + "\"chat.completion\",\"created\":1733480000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
      + "\"message\":{\"role\":\"assistant\",\"content\":\"Label created means the carrier has not scanned it yet.\"},"
      + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":61,\"completion_tokens\":54,\"total_tokens\":115}}";
  private static final String GERMAN = "Sehr geehrte Damen und Herren, ich habe letzte Woche ein Paar Laufschuhe "
      + "bestellt und die Sendungsverfolgung zeigt immer noch an, dass das Etikett erstellt wurde. Ist das normal, "
      + "und wann kann ich mit dem Paket rechnen? Vielen Dank für Ihre Hilfe und freundliche Grüße.";
  private static final String FRENCH = "Bonjour, j'ai commandé une paire de chaussures de course mardi dernier et "
      + "la page de suivi indique toujours « étiquette créée ». Est-ce normal, et quand dois-je m'attendre au colis ?";
  private static final String CHINESE = "你好！我上周二订购了一双跑鞋，跟踪页面仍然显示“已创建标签”。这正常吗？我什么时候可以收到包裹？";
  private static final String NUMBERS = "Order 123456789, invoice 2024-11-23, amount 1,234.56 EUR, phone +49 30 "
      + "1234567, ids 42 17 99 1000 2048.";

  @Test
  void everyKindOfTextIsWithin15PercentOfTheTokenizer() {
    Map<String, String> texts = new LinkedHashMap<>();
    texts.put("prose", PROSE);
    texts.put("code", CODE);
    texts.put("json", JSON);
    texts.put("german", GERMAN);
    texts.put("french", FRENCH);
    texts.put("chinese", CHINESE);
    texts.put("numbers", NUMBERS);
    texts.forEach((kind, text) -> {
      long exact = TokenEstimator.count(text);
      long estimate = PromptSize.tokens(text);
      assertThat((double) estimate).as(kind + ": " + estimate + " estimated, " + exact + " by o200k")
          .isBetween(exact * 0.85, exact * 1.15);
    });
  }

  @Test
  void emptyAndTinyTexts() {
    assertThat(PromptSize.tokens("")).isZero();
    assertThat(PromptSize.tokens("hi")).isEqualTo(TokenEstimator.count("hi"));
    assertThat(PromptSize.tokens("   ")).isEqualTo(1);
  }

  @Test
  void everyCharacterIsCountedAndTheScanAlwaysMovesOn() {
    // Control characters, DEL, form feed, lone surrogates and symbols: each must advance the scan (a character the
    // scan did not consume would loop forever on the event loop).
    for (char c = 0; c < 0x3000; c++) {
      String s = "a" + c + "b" + c;
      assertThat(PromptSize.tokens(s)).as("U+%04X", (int) c).isBetween(1L, 4L);
    }
    assertThat(PromptSize.tokens("\u0001\u0002\u0003")).isEqualTo(3);
    assertThat(PromptSize.tokens("x\fy\u000bz\u007f")).isBetween(3L, 6L);
  }

  @Test
  void theTableDrivenScanCountsExactlyAsTheRangeChecksDidOnEveryTextAndRandomMixes() {
    for (String text : new String[] {PROSE, CODE, JSON, GERMAN, FRENCH, CHINESE, NUMBERS, "", " ", "  7", "a\u0001b",
        "\u007f\u007f", "x\u00d7y\u00f7z", "\u00c0\u024f\u0250", "camelCaseWORDSandMore", "(p .config \n\r\t"}) {
      assertThat(PromptSize.tokens(text)).as(text).isEqualTo(PromptSizeBefore.tokens(text));
    }
    // Every class boundary of the scan: letters of each case, Latin-1 and Latin Extended edges, digits, spaces, line
    // breaks, tabs, punctuation, controls, DEL, symbols, CJK, a surrogate pair.
    String alphabet = "aZzA09 \n\r\t.,;({\"'\u0000\u001f\u007f\u0080\u00bf\u00c0\u00d7\u00f7\u00ff\u024f\u0250"
        + "\u20ac\u4f60\ud83d\ude00";
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    StringBuilder b = new StringBuilder();
    for (int round = 0; round < 20_000; round++) {
      b.setLength(0);
      int length = random.nextInt(0, 40);
      for (int i = 0; i < length; i++) {
        b.append(random.nextInt(4) == 0 ? (char) random.nextInt(0, 0x300) : alphabet.charAt(random.nextInt(
            alphabet.length())));
      }
      String text = b.toString();
      assertThat(PromptSize.tokens(text)).as("%s", text.chars().mapToObj(Integer::toHexString).toList())
          .isEqualTo(PromptSizeBefore.tokens(text));
    }
  }
}
