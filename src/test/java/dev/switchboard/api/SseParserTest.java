package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SseParserTest {
  private final List<SseEvent> events = new ArrayList<>();
  private final SseParser parser = new SseParser(1024 * 1024, events::add);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void feedWhole(String s) {
    parser.feed(Buffer.buffer(utf8(s)));
  }

  private void feedByteByByte(String s) {
    for (byte b : utf8(s)) {
      parser.feed(Buffer.buffer(new byte[] {b}));
    }
  }

  private void feedInChunksOf(String s, int size) {
    byte[] bytes = utf8(s);
    for (int i = 0; i < bytes.length; i += size) {
      byte[] part = new byte[Math.min(size, bytes.length - i)];
      System.arraycopy(bytes, i, part, 0, part.length);
      parser.feed(Buffer.buffer(part));
    }
  }

  private static final String STREAM = """
      data: {"id":1,"text":"héllo 🌍"}

      event: ping
      data: {"id":2}

      : keep-alive comment

      data: line one
      data: line two

      data: [DONE]

      """;

  private static final List<SseEvent> EXPECTED = List.of(
      new SseEvent(null, "{\"id\":1,\"text\":\"héllo 🌍\"}"),
      new SseEvent("ping", "{\"id\":2}"),
      new SseEvent(null, "line one\nline two"),
      new SseEvent(null, "[DONE]"));

  @Test
  void wholeBodyInOneChunk() {
    feedWhole(STREAM);
    assertThat(events).containsExactlyElementsOf(EXPECTED);
    assertThat(events.get(3).isDone()).isTrue();
    assertThat(parser.hasPartialEvent()).isFalse();
  }

  @Test
  void byteByByteGivesTheSameEventsIncludingSplitMultiByteCharacters() {
    feedByteByByte(STREAM);
    assertThat(events).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void everyChunkSizeGivesTheSameEvents() {
    for (int size = 1; size <= utf8(STREAM).length; size++) {
      events.clear();
      SseParser p = new SseParser(1024 * 1024, events::add);
      byte[] bytes = utf8(STREAM);
      for (int i = 0; i < bytes.length; i += size) {
        byte[] part = new byte[Math.min(size, bytes.length - i)];
        System.arraycopy(bytes, i, part, 0, part.length);
        p.feed(Buffer.buffer(part));
      }
      assertThat(events).as("chunk size %d", size).containsExactlyElementsOf(EXPECTED);
    }
  }

  @Test
  void crlfLineEndingsAreHandledEvenWhenSplitBetweenChunks() {
    String crlf = STREAM.replace("\n", "\r\n");
    feedByteByByte(crlf);
    assertThat(events).containsExactlyElementsOf(EXPECTED);

    events.clear();
    // "\r" at the end of one chunk and "\n" at the start of the next must not produce an extra blank line
    parser.feed(Buffer.buffer("data: a\r"));
    parser.feed(Buffer.buffer("\ndata: b\r"));
    parser.feed(Buffer.buffer("\n\r"));
    parser.feed(Buffer.buffer("\n"));
    assertThat(events).containsExactly(new SseEvent(null, "a\nb"));
  }

  @Test
  void bareCarriageReturnAndMixedLineEndings() {
    feedInChunksOf("data: x\rdata: y\r\rdata: z\r\n\ndata: w\n\r\n", 3);
    assertThat(events).containsExactly(new SseEvent(null, "x\ny"), new SseEvent(null, "z"), new SseEvent(null, "w"));
  }

  @Test
  void nothingIsDispatchedBeforeTheBlankLine() {
    feedWhole("data: {\"a\":1}\n");
    assertThat(events).isEmpty();
    assertThat(parser.hasPartialEvent()).isTrue();
    feedWhole("\n");
    assertThat(events).containsExactly(new SseEvent(null, "{\"a\":1}"));
    assertThat(parser.hasPartialEvent()).isFalse();
  }

  @Test
  void commentsAndUnknownFieldsAreIgnored() {
    feedWhole(": comment only\n\n:another\nid: 7\nretry: 100\ndata: kept\n: trailing comment\n\n");
    assertThat(events).containsExactly(new SseEvent(null, "kept"));
  }

  @Test
  void eventNameAppliesToOneEventOnly() {
    feedWhole("event: error\ndata: {\"error\":{}}\n\ndata: next\n\nevent: orphan\n\ndata: after\n\n");
    assertThat(events).containsExactly(new SseEvent("error", "{\"error\":{}}"), new SseEvent(null, "next"),
        new SseEvent(null, "after"));
  }

  @Test
  void onlyOneLeadingSpaceIsStrippedAndNoSpaceIsFine() {
    feedWhole("data:tight\n\ndata:  two spaces\n\ndata\n\n");
    assertThat(events).containsExactly(new SseEvent(null, "tight"), new SseEvent(null, " two spaces"),
        new SseEvent(null, ""));
  }

  @Test
  void finishDispatchesATrailingEventWithoutBlankLine() {
    feedWhole("data: first\n\ndata: last");
    assertThat(events).containsExactly(new SseEvent(null, "first"));
    assertThat(parser.hasPartialEvent()).isTrue();
    parser.finish();
    assertThat(events).containsExactly(new SseEvent(null, "first"), new SseEvent(null, "last"));
    assertThat(parser.hasPartialEvent()).isFalse();
  }

  @Test
  void finishAfterALineEndDispatchesToo() {
    feedWhole("event: e\ndata: a\ndata: b\n");
    parser.finish();
    assertThat(events).containsExactly(new SseEvent("e", "a\nb"));
  }

  @Test
  void finishWithNothingPendingDispatchesNothing() {
    feedWhole("data: a\n\n: comment\n");
    parser.finish();
    assertThat(events).containsExactly(new SseEvent(null, "a"));
  }

  @Test
  void anEventAboveTheCapThrows() {
    SseParser small = new SseParser(64, events::add);
    String big = "data: " + "x".repeat(100) + "\n\n";
    assertThatThrownBy(() -> small.feed(Buffer.buffer(big))).isInstanceOf(IllegalStateException.class);
    assertThat(events).isEmpty();
  }

  @Test
  void anUnterminatedLineAboveTheCapThrowsWhileStillArriving() {
    SseParser small = new SseParser(64, events::add);
    assertThatThrownBy(() -> {
      for (int i = 0; i < 1000; i++) {
        small.feed(Buffer.buffer("x"));
      }
    }).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theCapCountsAllLinesOfOneEvent() {
    SseParser small = new SseParser(64, events::add);
    assertThatThrownBy(() -> {
      for (int i = 0; i < 10; i++) {
        small.feed(Buffer.buffer("data: 0123456789\n"));
      }
    }).isInstanceOf(IllegalStateException.class);
    assertThat(events).isEmpty();
  }

  @Test
  void theCapIsPerEventNotPerStream() {
    SseParser small = new SseParser(64, events::add);
    for (int i = 0; i < 1000; i++) {
      small.feed(Buffer.buffer("data: event-number-" + i + "\n\n"));
    }
    assertThat(events).hasSize(1000);
    assertThat(events.get(999).data()).isEqualTo("event-number-999");
  }
}
