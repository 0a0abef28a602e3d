package dev.switchboard.cache;

import dev.switchboard.api.Usage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis form of an entry, and the finish-reason check of recorded replies. */
class EntryCodecTest {
  private static final Usage USAGE = new Usage(11, 7, 18, 2);

  @Test
  void jsonEntryRoundTripsCompressed() {
    byte[] body = ("{\"choices\":[{\"message\":{\"content\":\"" + "all work and no play ".repeat(500) + "\"}}]}")
        .getBytes(StandardCharsets.UTF_8);
    CachedReply e = new CachedReply(200, "application/json", body, null, USAGE, "openai", "gpt-4o", 1_000L, 61_000L);
    byte[] encoded = EntryCodec.encode(e);
    assertThat(encoded.length).as("compressed").isLessThan(body.length / 10);
    CachedReply back = EntryCodec.decode(encoded, 1 << 20);
    assertThat(back.data()).isEqualTo(body);
    assertThat(back.ends()).isNull();
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.contentType()).isEqualTo("application/json");
    assertThat(back.usage()).isEqualTo(USAGE);
    assertThat(back.provider()).isEqualTo("openai");
    assertThat(back.model()).isEqualTo("gpt-4o");
    assertThat(back.createdMillis()).isEqualTo(1_000L);
    assertThat(back.expiresMillis()).isEqualTo(61_000L);
  }

  @Test
  void streamEntryRoundTripsWithItsEventBoundaries() {
    byte[] data = "{\"a\":1}{\"b\":22}{}".getBytes(StandardCharsets.UTF_8);
    CachedReply e = new CachedReply(200, null, data, new int[] {7, 15, 17}, Usage.NONE, null, null, 5L, 6L);
    CachedReply back = EntryCodec.decode(EntryCodec.encode(e), 1 << 20);
    assertThat(back.ends()).containsExactly(7, 15, 17);
    assertThat(back.data()).isEqualTo(data);
    assertThat(back.provider()).isNull();
    assertThat(back.contentType()).isNull();
  }

  @Test
  void aNativeEntryKeepsItsProviderAndAChatEntryReadsAsChat() {
    byte[] data = "event: ping\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8);
    CachedReply e = new CachedReply(200, null, data, new int[] {data.length}, Usage.NONE, "claude", "m", 5L, 6L,
        "claude");
    assertThat(EntryCodec.decode(EntryCodec.encode(e), 1 << 20).nativeProvider()).isEqualTo("claude");
    CachedReply chat = new CachedReply(200, null, data, new int[] {data.length}, Usage.NONE, "p", "m", 5L, 6L);
    assertThat(EntryCodec.decode(EntryCodec.encode(chat), 1 << 20).nativeProvider()).isNull();
  }

  @Test
  void foreignCorruptOrOversizedValuesAreRefused() {
    CachedReply e = new CachedReply(200, "application/json", new byte[4096], null, USAGE, "p", "m", 1L, 2L);
    byte[] good = EntryCodec.encode(e);
    assertThatThrownBy(() -> EntryCodec.decode("hello".getBytes(StandardCharsets.UTF_8), 1 << 20))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EntryCodec.decode(Arrays.copyOf(good, good.length / 2), 1 << 20))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] flipped = good.clone();
    flipped[6] ^= 0x55;
    assertThatThrownBy(() -> EntryCodec.decode(flipped, 1 << 20)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EntryCodec.decode(good, 1024)).as("larger than max_entry_size")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lengthFinishIsFoundInRepliesAndChunks() {
    assertThat(Recorder.stoppedAtLength(bytes("{\"choices\":[{\"index\":0,\"finish_reason\": \"length\"}]}"))).isTrue();
    assertThat(Recorder.stoppedAtLength(bytes("{\"choices\":[{\"finish_reason\":\"stop\"},{\"finish_reason\":\"length\"}]}")))
        .isTrue();
    assertThat(Recorder.stoppedAtLength(bytes("{\"choices\":[{\"finish_reason\":\"stop\",\"text\":\"\\\"length\\\"\"}]}")))
        .as("the word in the text is not the finish reason").isFalse();
    assertThat(Recorder.stoppedAtLength(bytes("{\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}")))
        .isFalse();
    assertThat(Recorder.stoppedAtLength(bytes("not json \"length\""))).isFalse();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
