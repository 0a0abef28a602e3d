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
}
