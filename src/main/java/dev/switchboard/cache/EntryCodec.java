package dev.switchboard.cache;

import dev.switchboard.api.Usage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The Redis form of a {@link CachedReply}: a 4-byte magic and version, then the entry DEFLATE-compressed (replies
 * are JSON text and shrink several times). Decoding refuses anything inflating past a limit, so a corrupt or hostile
 * value cannot exhaust memory.
 */
final class EntryCodec {
  private static final int MAGIC = 0x53424301; // "SBC" + format version 1
  private static final int MAX_EVENTS = 1 << 22;

  private EntryCodec() {
  }

  static byte[] encode(CachedReply e) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, e.data().length / 3));
    try {
      new DataOutputStream(bytes).writeInt(MAGIC);
      Deflater deflater = new Deflater(Deflater.BEST_SPEED);
      try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes, deflater, 8192))) {
        out.writeShort(e.status());
        writeText(out, e.contentType());
        writeText(out, e.provider());
        writeText(out, e.model());
        out.writeLong(e.createdMillis());
        out.writeLong(e.expiresMillis());
        Usage u = e.usage();
        out.writeLong(u.promptTokens());
        out.writeLong(u.completionTokens());
        out.writeLong(u.totalTokens());
        out.writeLong(u.cachedTokens());
        out.writeInt(e.ends() == null ? -1 : e.ends().length);
        if (e.ends() != null) {
          for (int end : e.ends()) {
            out.writeInt(end);
          }
        }
        out.writeInt(e.data().length);
        out.write(e.data());
        // Added after version 1's fields, so entries written before it still read (as chat-shaped replies).
        writeText(out, e.nativeProvider());
      } finally {
        deflater.end();
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return bytes.toByteArray();
  }

  /**
   * @param maxDataBytes the largest body the entry may hold (cache.max_entry_size)
   * @throws IllegalArgumentException for a value that is not a well-formed entry
   */
  static CachedReply decode(byte[] value, long maxDataBytes) {
    if (value.length < 4 || readInt(value) != MAGIC) {
      throw new IllegalArgumentException("not a Switchboard cache entry (or another format version)");
    }
    try (InflaterInputStream inflater = new InflaterInputStream(
        new ByteArrayInputStream(value, 4, value.length - 4));
         DataInputStream in = new DataInputStream(inflater)) {
      int status = in.readUnsignedShort();
      String contentType = readText(in);
      String provider = readText(in);
      String model = readText(in);
      long created = in.readLong();
      long expires = in.readLong();
      Usage usage = new Usage(in.readLong(), in.readLong(), in.readLong(), in.readLong());
      int count = in.readInt();
      if (count < -1 || count > MAX_EVENTS) {
        throw new IllegalArgumentException("bad event count " + count);
      }
      int[] ends = null;
      if (count >= 0) {
        ends = new int[count];
        int previous = 0;
        for (int i = 0; i < count; i++) {
          ends[i] = in.readInt();
          if (ends[i] < previous) {
            throw new IllegalArgumentException("event offsets out of order");
          }
          previous = ends[i];
        }
      }
      int length = in.readInt();
      if (length < 0 || length > maxDataBytes || (ends != null && count > 0 && ends[count - 1] != length)) {
        throw new IllegalArgumentException("bad body length " + length);
      }
      byte[] data = in.readNBytes(length);
      if (data.length != length) {
        throw new IllegalArgumentException("entry is cut short");
      }
      int more = in.read();
      String nativeProvider = more == 1 ? in.readUTF() : null;
      return new CachedReply(status, contentType, data, ends, usage, provider, model, created, expires,
          nativeProvider);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable cache entry: " + e.getMessage(), e);
    }
  }

  private static void writeText(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s.length() > 8192 ? s.substring(0, 8192) : s);
    }
  }

  private static String readText(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private static int readInt(byte[] b) {
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }
}
