package dev.switchboard.e2e.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Markdown reader to hold the README to its word: fenced code blocks (with the section they sit in
 * and the {@code <!-- readme-test: ... -->} marker right before them), the prose lines outside them, headings as
 * GitHub turns them into anchors, and links.
 */
final class Markdown {
  private static final Pattern MARKER = Pattern.compile("<!--\\s*readme-test:\\s*(.*?)\\s*-->");
  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)\\)");
  private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");

  /** A fenced block: its language, text, the heading it sits under, and the readme-test marker before it (or null). */
  record Block(String language, String text, String section, String marker, int line) {
  }

  /** A line of prose (outside code blocks), 1-based. */
  record Line(int number, String text) {
  }

  final Path file;
  final List<Block> blocks = new ArrayList<>();
  final List<Line> prose = new ArrayList<>();
  final List<String> anchors = new ArrayList<>();

  private Markdown(Path file, List<String> lines) {
    this.file = file;
    String section = "";
    String marker = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("```")) {
        String language = line.substring(3).trim();
        StringBuilder text = new StringBuilder();
        int start = i + 1;
        for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
          text.append(lines.get(i)).append('\n');
        }
        blocks.add(new Block(language, text.toString(), section, marker, start));
        marker = null;
        continue;
      }
      prose.add(new Line(i + 1, line));
      Matcher m = MARKER.matcher(line);
      if (m.find()) {
        marker = m.group(1);
      } else if (!line.isBlank()) {
        marker = null;
      }
      if (line.startsWith("#")) {
        section = line.replaceFirst("^#+\\s*", "");
        anchors.add(anchor(section));
      }
    }
  }

  static Markdown read(Path file) throws IOException {
    return new Markdown(file, Files.readAllLines(file));
  }

  /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  /** Every link target in the prose, inline code aside, with its line number. */
  List<Line> links() {
    List<Line> out = new ArrayList<>();
    for (Line line : prose) {
      Matcher m = LINK.matcher(INLINE_CODE.matcher(line.text()).replaceAll(""));
      while (m.find()) {
        out.add(new Line(line.number(), m.group(1)));
      }
    }
    return out;
  }

  /** Every inline code span in the prose, with its line number. */
  List<Line> codeSpans() {
    List<Line> out = new ArrayList<>();
    for (Line line : prose) {
      Matcher m = INLINE_CODE.matcher(line.text());
      while (m.find()) {
        out.add(new Line(line.number(), m.group().substring(1, m.group().length() - 1)));
      }
    }
    return out;
  }

  /** The fenced blocks in one language, in order. */
  List<Block> blocks(String language) {
    return blocks.stream().filter(b -> b.language().equals(language)).toList();
  }
}
