package dev.switchboard.provider.local;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Tiny, valid media files for degraded answers, built once. */
final class Placeholders {
  private static final byte[] PNG = buildPng(64, 64);
  private static final byte[] WAV = buildSilentWav(24_000, 12_000);

  private Placeholders() {
  }

  static byte[] png() {
    return PNG;
  }

  static byte[] silentWav() {
    return WAV;
  }

  /** A grey square: an 8-bit RGB PNG with one deflated IDAT. */
  private static byte[] buildPng(int width, int height) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (int y = 0; y < height; y++) {
      raw.write(0);
      for (int x = 0; x < width; x++) {
        int shade = ((x / 8 + y / 8) % 2 == 0) ? 0xC8 : 0xB4;
        raw.write(shade);
        raw.write(shade);
        raw.write(shade);
      }
    }
    Deflater deflater = new Deflater();
    deflater.setInput(raw.toByteArray());
    deflater.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (!deflater.finished()) {
      z.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(png, "IHDR", ihdr.array());
    chunk(png, "IDAT", z.toByteArray());
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** 16-bit mono PCM silence. */
  private static byte[] buildSilentWav(int sampleRate, int samples) {
    int dataLen = samples * 2;
    ByteBuffer b = ByteBuffer.allocate(44 + dataLen).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + dataLen)
        .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1)
        .putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(dataLen);
    return b.array();
  }
}
