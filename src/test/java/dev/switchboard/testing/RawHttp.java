package dev.switchboard.testing;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client connection that writes raw bytes and reads raw responses, for what an HTTP client library will not send:
 * half a head, a trickled body, conflicting framing headers, malformed chunks. Reads never block the test for long:
 * {@link #poll()} looks for a complete response or the server's close without waiting.
 */
public final class RawHttp implements AutoCloseable {
  /** One response as it came off the wire; header names lower-cased. */
  public record Response(int status, Map<String, String> headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private boolean closedByServer;

  public RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(20);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public RawHttp write(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** Reads whatever has arrived, waiting at most a few milliseconds; notes the server's close. */
  public RawHttp poll() throws IOException {
    byte[] buf = new byte[8192];
    try {
      while (!closedByServer) {
        int n = in.read(buf);
        if (n < 0) {
          closedByServer = true;
        } else {
          received.write(buf, 0, n);
        }
      }
    } catch (SocketTimeoutException e) {
      // nothing more for now
    } catch (IOException e) {
      // a reset is a close too
      closedByServer = true;
    }
    return this;
  }

  /** True once the server closed the connection (end of stream or reset). */
  public boolean closedByServer() throws IOException {
    poll();
    return closedByServer;
  }

  /** Everything received so far, as text. */
  public String received() {
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  /** How many response status lines have arrived. */
  public int responses() {
    return received().split("HTTP/1\\.[01] \\d{3} ", -1).length - 1;
  }

  /** The first complete response received, or null while there is none. */
  public Response response() throws IOException {
    poll();
    String text = received();
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return null;
    }
    String[] lines = text.substring(0, headEnd).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] all = received.toByteArray();
    int bodyStart = text.substring(0, headEnd + 4).getBytes(StandardCharsets.ISO_8859_1).length;
    if (all.length - bodyStart < length) {
      return null;
    }
    return new Response(status, headers, new String(all, bodyStart, length, StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
