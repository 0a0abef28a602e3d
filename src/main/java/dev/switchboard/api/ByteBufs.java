package dev.switchboard.api;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.internal.buffer.BufferInternal;

/** The bytes under a Vert.x {@link Buffer}, for the scans and copies of the stream path. */
public final class ByteBufs {
  private ByteBufs() {
  }

  /**
   * The buffer's own Netty {@link ByteBuf}, to read only: {@code getByteBuf()} makes a new slice (and often a
   * wrapper) on every call, which the per-event path cannot afford. Its readable bytes are the buffer's bytes.
   */
  public static ByteBuf of(Buffer buffer) {
    return buffer instanceof BufferImpl impl ? impl.byteBuf() : ((BufferInternal) buffer).getByteBuf();
  }

  /**
   * The buffer's bytes where they lie, for the scans: its backing array and the range of it that is the buffer, or,
   * for a direct buffer (no array), a copy.
   */
  public static Range inPlace(Buffer buffer) {
    ByteBuf buf = of(buffer);
    if (buf.hasArray()) {
      int from = buf.arrayOffset() + buf.readerIndex();
      return new Range(buf.array(), from, from + buf.readableBytes());
    }
    byte[] copy = buffer.getBytes();
    return new Range(copy, 0, copy.length);
  }

  /** Bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code array}. */
  public record Range(byte[] array, int from, int to) {
  }
}
