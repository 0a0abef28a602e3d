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
 * @param corsOrigins browser origins allowed to call the API ("*" for any); empty disables CORS
 * @param headerTimeout how long a client has to send a request's head (line and headers), from connecting or from the
 *     end of its previous response; a connection still silent or trickling after it is closed
 * @param bodyTimeout how long a client has to send a whole request body once its head arrived; later gets 408
 * @param maxConnections client connections held open at once across all instances; more are refused with 503
 * @param maxConnectionsPerClient client connections from one remote address at once; more are refused with 503
 */
public record ServerConfig(String host, int port, int instances, long maxBodyBytes, long maxResponseBytes,
                           Duration drainDelay, Duration shutdownGrace, String transport,
                           java.util.List<String> corsOrigins, Duration headerTimeout, Duration bodyTimeout,
                           int maxConnections, int maxConnectionsPerClient) {

  public ServerConfig {
    corsOrigins = java.util.List.copyOf(corsOrigins);
  }

  public int effectiveInstances() {
    return instances > 0 ? instances : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
