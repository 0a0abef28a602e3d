package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;

/** Cheap looks at raw JSON text, for deciding how to parse a body before paying for the parse. */
public final class JsonText {
  private JsonText() {
  }

  /** The first byte that is not JSON whitespace, or -1 for a blank body. */
  public static int firstNonBlank(Buffer b) {
    for (int i = 0; i < b.length(); i++) {
      byte c = b.getByte(i);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return c;
      }
    }
    return -1;
  }
}
