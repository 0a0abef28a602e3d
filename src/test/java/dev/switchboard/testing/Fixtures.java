package dev.switchboard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Recorded-shape provider fixtures under {@code src/test/resources/fixtures}, and the normalisation that makes a
 * translated stream comparable with its golden file: {@code created} is the translation's clock, and ids Switchboard
 * had to invent are random.
 */
public final class Fixtures {
  private static final Pattern CREATED = Pattern.compile("\"created\":\\d+");
  private static final Pattern GENERATED_ID = Pattern.compile("\"(chatcmpl-|call_)[0-9a-f]{32}\"");

  private Fixtures() {
  }

  public static byte[] bytes(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  /** The non-blank lines of a fixture (a golden list of payloads, one JSON document per line). */
  public static List<String> lines(String path) {
    List<String> out = new ArrayList<>();
    for (String line : text(path).split("\n")) {
      if (!line.isBlank()) {
        out.add(line);
      }
    }
    return out;
  }

  /** {@code "created":0} and invented ids as {@code chatcmpl-GENERATED} / {@code call_GENERATED}. */
  public static String normalize(String payload) {
    String s = CREATED.matcher(payload).replaceAll("\"created\":0");
    return GENERATED_ID.matcher(s).replaceAll("\"$1GENERATED\"");
  }

  public static List<String> normalize(List<String> payloads) {
    return payloads.stream().map(Fixtures::normalize).toList();
  }
}
