package dev.switchboard.config;

import java.time.Duration;

/**
 * The HTTP listener.
 *
 * @param instances gateway verticle instances; 0 means one per CPU core
 * @param maxBodyBytes largest accepted request body; larger ones get 413
 * @param maxResponseBytes largest upstream non-stream reply the gateway will hold in memory
 * @param drainDelay after SIGTERM, how long the gateway keeps serving while /ready already fails, so load
 *     balancers stop sending before the listener closes
 * @param shutdownGrace how long in-flight requests and streams may run on once the listener closes
 * @param transport network transport: auto (native epoll if available, else NIO), epoll, io_uring or nio
 * @param host the address actually bound: loopback when the gateway is open (no client key) and
 *     {@code allow_open} is false, whatever was configured (see {@link #loopback()})
 * @param corsOrigins browser origins allowed to call the API ("*" for any); empty disables CORS
 * @param headerTimeout how long a client has to send a request's head (line and headers), from connecting or from the
 *     end of its previous response; a connection still silent or trickling after it is closed
 * @param bodyTimeout how long a client has to send a whole request body once its head arrived; later gets 408
 * @param maxConnections client connections held open at once across all instances; more are refused with 503
 * @param maxConnectionsPerClient client connections from one remote address at once; more are refused with 503
 * @param maxBufferedResponseBytes the sum of whole (non-stream) replies held in memory at once, across all requests
 * @param allowOpen the operator's explicit opt-in to an open gateway listening beyond loopback
 * @param drainQuiet while draining, how long a kept-alive connection between requests must have been silent before
 *     it is closed (closing one at once would reset a client that is sending its next request right then)
 */
public record ServerConfig(String host, int port, int instances, long maxBodyBytes, long maxResponseBytes,
                           Duration drainDelay, Duration shutdownGrace, String transport,
                           java.util.List<String> corsOrigins, Duration headerTimeout, Duration bodyTimeout,
                           int maxConnections, int maxConnectionsPerClient, long maxBufferedResponseBytes,
                           boolean allowOpen, Duration drainQuiet) {

  public ServerConfig {
    corsOrigins = java.util.List.copyOf(corsOrigins);
  }

  /** Whether the listener is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
  public boolean loopback() {
    return isLoopback(host);
  }

  static boolean isLoopback(String host) {
    String h = host.trim().toLowerCase(java.util.Locale.ROOT);
    return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") || h.startsWith("127.");
  }

  ServerConfig withHost(String newHost) {
    return new ServerConfig(newHost, port, instances, maxBodyBytes, maxResponseBytes, drainDelay, shutdownGrace,
        transport, corsOrigins, headerTimeout, bodyTimeout, maxConnections, maxConnectionsPerClient,
        maxBufferedResponseBytes, allowOpen, drainQuiet);
  }

  public int effectiveInstances() {
    return instances > 0 ? instances : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
