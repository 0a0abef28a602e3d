package dev.switchboard.provider.openai;

import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte scans ({@link Preamble#scan}, {@link UsageObject#read}) against the Jackson readings they replace, over a
 * corpus of real-world chunks (OpenAI, Azure, OpenRouter, vLLM) and odd ones, and over thousands of mutations of
 * them: wherever a scan answers, it must give Jackson's answer; where it cannot, it says so and Jackson decides.
 */
class ChunkScanOracleTest {
  private static final byte[] SIGNIFICANT = "{}[]\":,\\ nult0-1e.E+x\u00e9/\n\t".getBytes(StandardCharsets.UTF_8);

  @Test
  void preambleScanAgreesWithJacksonOnTheCorpus() throws IOException {
    int answered = 0;
    for (byte[] chunk : corpus()) {
      int scanned = Preamble.scan(chunk, 0, chunk.length);
      if (scanned != JsonScan.FAIL) {
        answered++;
        assertThat(scanned == 1).as(text(chunk)).isEqualTo(Preamble.parsed(Buffer.buffer(chunk)));
      }
      assertThat(Preamble.test(chunk, 0, chunk.length, Buffer.buffer(chunk))).as(text(chunk))
          .isEqualTo(Preamble.parsed(Buffer.buffer(chunk)));
    }
    assertThat(answered).as("the scan answers the well-formed chunks itself").isGreaterThan(35);
  }

  @Test
  void preambleScanAnswersTheUsualChunksWithoutJackson() {
    String role = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
        + "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],"
        + "\"usage\":null}";
    String content = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";
    String azure = "{\"choices\":[],\"created\":0,\"id\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0}]}";
    assertThat(Preamble.scan(bytes(role), 0, bytes(role).length)).isEqualTo(1);
    assertThat(Preamble.scan(bytes(content), 0, bytes(content).length)).isEqualTo(0);
    assertThat(Preamble.scan(bytes(azure), 0, bytes(azure).length)).isEqualTo(1);
  }

  @Test
  void preambleScanAgreesWithJacksonOnMutatedChunks() throws IOException {
    Random random = new Random(17);
    int answered = 0;
    int checked = 0;
    for (byte[] chunk : corpus()) {
      for (int n = 0; n < 300; n++) {
        byte[] m = mutate(chunk, random);
        int scanned = Preamble.scan(m, 0, m.length);
        checked++;
        if (scanned != JsonScan.FAIL) {
          answered++;
          assertThat(scanned == 1).as(text(m)).isEqualTo(Preamble.parsed(Buffer.buffer(m)));
        }
      }
    }
    assertThat(answered).as("of %d mutants", checked).isGreaterThan(1000);
  }

  @Test
  void scansReadARangeInsideALargerArray() throws IOException {
    for (byte[] chunk : corpus()) {
      byte[] padded = new byte[chunk.length + 10];
      java.util.Arrays.fill(padded, (byte) '}');
      System.arraycopy(chunk, 0, padded, 5, chunk.length);
      assertThat(Preamble.scan(padded, 5, 5 + chunk.length)).as(text(chunk))
          .isEqualTo(Preamble.scan(chunk, 0, chunk.length));
      assertThat(UsageScanner.find(padded, 5, 5 + chunk.length)).as(text(chunk))
          .isEqualTo(UsageScanner.find(chunk));
    }
  }

  @Test
  void invalidUtf8IsLeftToJackson() {
    byte[] head = bytes("{\"id\":\"x\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"");
    byte[] tail = bytes("\"}}]}");
    byte[][] bad = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xe2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
    for (byte[] b : bad) {
      byte[] chunk = new byte[head.length + b.length + tail.length];
      System.arraycopy(head, 0, chunk, 0, head.length);
      System.arraycopy(b, 0, chunk, head.length, b.length);
      System.arraycopy(tail, 0, chunk, head.length + b.length, tail.length);
      assertThat(Preamble.scan(chunk, 0, chunk.length)).isEqualTo(JsonScan.FAIL);
      assertThat(Preamble.test(chunk, 0, chunk.length, Buffer.buffer(chunk)))
          .isEqualTo(Preamble.parsed(Buffer.buffer(chunk)));
    }
  }

  @Test
  void usageReadAgreesWithJacksonOnTheCorpusAndMutations() throws IOException {
    List<byte[]> objects = new ArrayList<>();
    for (byte[] chunk : corpus()) {
      String s = text(chunk);
      int at = s.lastIndexOf("\"usage\":{");
      if (at >= 0) {
        int open = s.indexOf('{', at);
        objects.add(bytes(s.substring(open, s.lastIndexOf('}'))));
      }
    }
    objects.add(bytes("{ \"prompt_tokens\" : 7 ,\n\"completion_tokens\":\t8 }"));
    objects.add(bytes("{\"prompt_tokens\":-3,\"completion_tokens\":999999999999999999}"));
    objects.add(bytes("{\"prompt_tokens_details\":{\"cached_tokens\":5},\"prompt_tokens_details\":7}"));
    objects.add(bytes("{}"));
    assertThat(objects).hasSizeGreaterThan(10);
    int answered = 0;
    Random random = new Random(42);
    for (byte[] usage : objects) {
      answered += agrees(usage) ? 1 : 0;
      for (int n = 0; n < 500; n++) {
        agrees(mutate(usage, random));
      }
    }
    assertThat(answered).as("plain usage objects are read without Jackson").isGreaterThan(8);
  }

  @Test
  void usageFindGivesTheSameAnswerAsJacksonOnTheUsageObject() throws IOException {
    for (byte[] chunk : corpus()) {
      Usage found = UsageScanner.find(chunk);
      JsonObject whole;
      try {
        whole = new JsonObject(Buffer.buffer(chunk));
      } catch (RuntimeException e) {
        continue;
      }
      if (whole.getValue("usage") instanceof JsonObject usage && text(chunk).indexOf("\"usage\":{") > 0) {
        assertThat(found).as(text(chunk)).isEqualTo(Usage.fromOpenAi(usage));
      }
    }
  }

  /** True when the scan answered (and then agreed); false when it left the object to Jackson. */
  private static boolean agrees(byte[] usage) {
    Usage scanned = UsageObject.read(usage, 0, usage.length);
    if (scanned == null) {
      return false;
    }
    Usage parsed;
    try {
      parsed = Usage.fromOpenAi(new JsonObject(Buffer.buffer(usage)));
    } catch (RuntimeException e) {
      parsed = null;
    }
    assertThat(scanned).as(text(usage)).isEqualTo(parsed);
    return true;
  }

  /** One to three edits: a byte replaced by a JSON-significant one, deleted, or a range duplicated. */
  private static byte[] mutate(byte[] chunk, Random random) {
    byte[] m = chunk;
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      int at = random.nextInt(m.length);
      switch (random.nextInt(3)) {
        case 0 -> {
          m = m.clone();
          m[at] = SIGNIFICANT[random.nextInt(SIGNIFICANT.length)];
        }
        case 1 -> {
          byte[] shorter = new byte[m.length - 1];
          System.arraycopy(m, 0, shorter, 0, at);
          System.arraycopy(m, at + 1, shorter, at, m.length - at - 1);
          m = shorter.length == 0 ? m : shorter;
        }
        default -> {
          int len = Math.min(m.length - at, 1 + random.nextInt(12));
          byte[] longer = new byte[m.length + len];
          System.arraycopy(m, 0, longer, 0, at + len);
          System.arraycopy(m, at, longer, at + len, m.length - at);
          m = longer;
        }
      }
    }
    return m;
  }

  static List<byte[]> corpus() throws IOException {
    List<byte[]> chunks = new ArrayList<>();
    try (InputStream in = ChunkScanOracleTest.class.getResourceAsStream("/fixtures/openai/chunks.jsonl")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          chunks.add(bytes(line));
        }
      }
    }
    chunks.add(bytes("{\"id\":\"x\",\r\n\"choices\":[{\"index\":0,\n\"delta\":{\"role\":\"assistant\"}}]\n}"));
    return chunks;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
