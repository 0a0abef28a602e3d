package dev.switchboard.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A port free on the loopback address right now, for a server a test starts as a child process (Redis, PostgreSQL). */
final class LoopbackPort {
  private LoopbackPort() {
  }

  static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
