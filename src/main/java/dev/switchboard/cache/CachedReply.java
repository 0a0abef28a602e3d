package dev.switchboard.cache;

import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * One cached reply, immutable: a whole JSON body, or a stream's event payloads in order (without the {@code data: }
 * framing and without {@code [DONE]}, which replay adds back exactly as {@link dev.switchboard.api.ClientReply}
 * frames live events, so a replayed stream is byte-equal to the original).
 *
 * <p>Stream payloads are stored back to back in one array with their end offsets, so an entry costs one object and
 * two arrays whatever its number of events.
 *
 * @param ends end offset of each event in {@code data}; null for a JSON reply
 * @param usage what the original reply spent upstream (a hit reports it as saved, at zero cost)
 * @param createdMillis when the reply was recorded, wall clock (for the {@code age} header, on every instance)
 * @param expiresMillis when it stops being served, wall clock
 * @param nativeProvider the provider whose reply was relayed natively in the front end's own API (replay relays it
 *     the same way, with framed events as they went out), or null for a reply in chat shapes
 */
record CachedReply(int status, String contentType, byte[] data, int[] ends, Usage usage, String provider,
                   String model, long createdMillis, long expiresMillis, String nativeProvider) {

  CachedReply(int status, String contentType, byte[] data, int[] ends, Usage usage, String provider, String model,
              long createdMillis, long expiresMillis) {
    this(status, contentType, data, ends, usage, provider, model, createdMillis, expiresMillis, null);
  }
  /**
   * Fixed heap cost of an entry besides its body: the key (64 hex digits), the entry and its arrays, the usage, and
   * Caffeine's and the map's nodes. Measured at about 400 bytes, so max_size bounds the heap, also for many tiny
   * entries.
   */
  static final int OVERHEAD_BYTES = 400;

  boolean stream() {
    return ends != null;
  }

  /** The bytes this entry occupies, for the cache's byte bound. */
  int weight() {
    long w = (long) data.length + (ends == null ? 0 : 4L * ends.length) + OVERHEAD_BYTES;
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  Buffer body() {
    return Buffer.buffer(data);
  }

  List<Buffer> events() {
    List<Buffer> out = new ArrayList<>(ends.length);
    int start = 0;
    for (int end : ends) {
      out.add(Buffer.buffer(end - start).appendBytes(data, start, end - start));
      start = end;
    }
    return out;
  }

  long remainingMillis(long nowMillis) {
    return expiresMillis - nowMillis;
  }

  long ageSeconds(long nowMillis) {
    return Math.max(0, (nowMillis - createdMillis) / 1000);
  }
}
