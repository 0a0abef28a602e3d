package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import dev.switchboard.config.ServerConfig;
import dev.switchboard.metrics.GatewayMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The client connections of one gateway instance and the rules of the edge: admission against
 * {@link ConnectionLimits}; a request's head must arrive within {@code server.header_timeout} of its first byte (or of
 * the connection opening) and its body within {@code server.body_timeout} of the head, so a client trickling bytes
 * cannot hold a connection (the idle timeout resets on every byte); a malformed body or a client gone mid-upload is
 * one debug line, never a stack trace; and once draining for shutdown starts, every response says
 * {@code Connection: close} and no further request is read. Everything runs on the instance's event loop, so the
 * state needs no synchronisation; deadlines are checked by {@link #sweep} from one periodic timer.
 */
final class ClientConnections {
  private static final Logger LOG = Logger.getLogger(ClientConnections.class.getName());

  /** One client connection; {@code decoder} and its context are null for HTTP/2, which keeps Vert.x's own rules. */
  private static final class Client {
    final HttpConnection connection;
    final String address;
    final EdgeRequestDecoder decoder;
    final ChannelHandlerContext decoderContext;
    HttpServerRequest current;
    long headNanos;
    /** Set once the edge has answered or cut this connection itself: the router's failures on it are echoes. */
    boolean handled;
    /** While draining: since when the connection has been seen idle (-1: busy), and whether it was told to close. */
    long idleSinceNanos = -1;
    boolean shutDown;

    Client(HttpConnection connection, String address, EdgeRequestDecoder decoder, ChannelHandlerContext decoderContext) {
      this.connection = connection;
      this.address = address;
      this.decoder = decoder;
      this.decoderContext = decoderContext;
    }
  }

  private final ConnectionLimits limits;
  private final GatewayMetrics metrics;
  private final HttpServerOptions options;
  private final LongSupplier nanoClock;
  private final long headerTimeoutNanos;
  private final long bodyTimeoutNanos;
  private final long closeBackstopMillis;
  private final long drainQuietNanos;
  private final Map<HttpConnection, Client> clients = new HashMap<>();
  private boolean draining;

  ClientConnections(ServerConfig config, ConnectionLimits limits, GatewayMetrics metrics, HttpServerOptions options,
                    LongSupplier nanoClock) {
    this.limits = limits;
    this.metrics = metrics;
    this.options = options;
    this.nanoClock = nanoClock;
    this.headerTimeoutNanos = config.headerTimeout().toNanos();
    this.bodyTimeoutNanos = config.bodyTimeout().toNanos();
    this.drainQuietNanos = config.drainQuiet().toNanos();
    // Past the drain delay and the grace (whose end GatewayVerticle handles itself), as a backstop only.
    this.closeBackstopMillis = config.drainDelay().toMillis() + config.shutdownGrace().toMillis() + 1_000;
  }

  /** How often {@link #sweep} should run: a fraction of the shortest deadline, so a deadline is late by little. */
  long sweepEveryMillis() {
    long shortest = Math.min(headerTimeoutNanos, bodyTimeoutNanos) / 1_000_000;
    return Math.max(10, Math.min(1_000, shortest / 4));
  }

  /** A new connection: admitted (and watched), or refused with a 503 and closed. */
  void accepted(HttpConnection connection, long nowNanos) {
    String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
    ChannelHandlerContext decoderContext = null;
    EdgeRequestDecoder decoder = null;
    if (connection instanceof Http1xServerConnection http1) {
      decoder = new EdgeRequestDecoder(options, nanoClock, nowNanos);
      var pipeline = http1.channelHandlerContext().pipeline();
      pipeline.replace("httpDecoder", "httpDecoder", decoder);
      decoderContext = pipeline.context("httpDecoder");
    }
    String refusal = limits.admit(address);
    Client client = new Client(connection, address, decoder, decoderContext);
    clients.put(connection, client);
    if (refusal != null) {
      // Known but answered here: whatever request it still sends is dropped (headArrived) until it closes.
      client.handled = true;
      connection.closeHandler(v -> clients.remove(connection));
      connection.exceptionHandler(t -> LOG.fine(() -> "refused connection from " + address + " failed: " + t));
      metrics.connectionRefused(refusal);
      LOG.fine(() -> "refused a connection from " + address + ": " + refusal);
      ApiError error = new ApiError(503, ApiError.SERVER, refusal.equals(ConnectionLimits.MAX_CONNECTIONS)
          ? "The gateway holds as many connections as it allows (server.max_connections); retry shortly."
          : "Your address holds as many connections as the gateway allows one client "
              + "(server.max_connections_per_client); reuse them or close some.", null, "too_many_connections");
      if (decoderContext != null) {
        EdgeReplies.writeRawAndClose(decoderContext, error);
      } else {
        connection.close();
      }
      return;
    }
    connection.closeHandler(v -> {
      if (clients.remove(connection) != null) {
        limits.release(address);
      }
    });
    connection.exceptionHandler(t -> failed(client, t));
  }

  /**
   * Every request head, before the router. Returns false when the edge answered it itself (a transfer coding it
   * refuses).
   */
  boolean headArrived(HttpServerRequest request, long nowNanos) {
    Client client = clients.get(request.connection());
    if (client != null) {
      if (client.handled) {
        // Pipelined behind a request the edge refused: its framing cannot be trusted, so it is never served; the
        // connection is closing.
        return false;
      }
      client.current = request;
      client.headNanos = nowNanos;
    }
    if (draining && client != null) {
      shutdown(client);
    }
    ApiError refusal = EdgeReplies.transferCodingRefusal(request);
    if (refusal != null) {
      if (client != null) {
        client.handled = true;
      }
      LOG.fine(() -> "refused request from " + request.remoteAddress() + ": " + refusal.message());
      EdgeReplies.sendAndClose(request, refusal);
      return false;
    }
    return true;
  }

  /** A request Vert.x's decoder could not read: 400, 414 or 431 in OpenAI's shape, then the connection closes. */
  void invalid(HttpServerRequest request) {
    Client client = clients.get(request.connection());
    if (client != null) {
      if (client.handled) {
        return;
      }
      client.current = request;
      client.handled = true;
    }
    ApiError error = EdgeReplies.invalidRequest(request.decoderResult().cause());
    LOG.fine(() -> "invalid request from " + request.remoteAddress() + ": " + error.message());
    EdgeReplies.sendAndClose(request, error);
  }

  /** True when the edge already answered or cut this request's connection: a router failure on it needs no reply. */
  boolean handledHere(HttpServerRequest request) {
    Client client = clients.get(request.connection());
    return client == null || client.handled;
  }

  /**
   * A connection-level failure. A reset or a client gone mid-upload is routine; anything else the decoder reports
   * mid-body is a malformed body, answered 400 while no response has started. Vert.x closes the connection next.
   */
  private void failed(Client client, Throwable t) {
    HttpServerRequest current = client.current;
    boolean answerable = current != null && !current.response().headWritten() && !current.response().ended();
    if (t instanceof IOException || !answerable || client.decoderContext == null) {
      LOG.fine(() -> "client connection from " + client.address + " failed: " + t);
      return;
    }
    client.handled = true;
    ApiError error = EdgeReplies.malformedBody(t);
    LOG.fine(() -> "malformed request body from " + client.address + ": " + t);
    EdgeReplies.writeRawAndClose(client.decoderContext, error);
  }

  /**
   * Closes connections past their deadlines, and while draining the ones quiet for {@code server.drain_quiet};
   * {@code nowNanos} from the same clock the decoders use.
   */
  void sweep(long nowNanos) {
    List<Client> late = new ArrayList<>();
    List<Client> slowBodies = new ArrayList<>();
    List<Client> quiet = new ArrayList<>();
    for (Client client : clients.values()) {
      if (client.decoder == null || client.handled) {
        continue;
      }
      long headStarted = client.decoder.headStartedNanos();
      HttpServerRequest current = client.current;
      if (draining && !client.shutDown) {
        boolean idle = headStarted < 0 && (current == null || current.response().ended());
        if (!idle) {
          client.idleSinceNanos = -1;
        } else if (client.idleSinceNanos < 0) {
          client.idleSinceNanos = nowNanos;
        } else if (nowNanos - client.idleSinceNanos >= drainQuietNanos) {
          quiet.add(client);
        }
      }
      if (headStarted >= 0 && nowNanos - headStarted > headerTimeoutNanos
          && (current == null || current.response().ended())) {
        late.add(client);
      } else if (current != null && !current.isEnded() && nowNanos - client.headNanos > bodyTimeoutNanos) {
        slowBodies.add(client);
      }
    }
    for (Client client : quiet) {
      shutdown(client);
    }
    for (Client client : late) {
      client.handled = true;
      metrics.connectionRefused("header_timeout");
      LOG.fine(() -> "closed a connection from " + client.address + ": no complete request head within "
          + TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos) + " ms");
      EdgeReplies.writeRawAndClose(client.decoderContext, new ApiError(408, ApiError.TIMEOUT, "The request head did "
          + "not arrive within " + TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos) + " ms (server.header_timeout).",
          null, "request_timeout"));
    }
    for (Client client : slowBodies) {
      client.handled = true;
      metrics.connectionRefused("body_timeout");
      LOG.fine(() -> "closed a connection from " + client.address + ": request body incomplete after "
          + TimeUnit.NANOSECONDS.toMillis(bodyTimeoutNanos) + " ms");
      ApiError error = new ApiError(408, ApiError.TIMEOUT, "The request body did not arrive within "
          + TimeUnit.NANOSECONDS.toMillis(bodyTimeoutNanos) + " ms (server.body_timeout).", null, "request_timeout");
      if (client.current.response().headWritten() || client.current.response().ended()) {
        client.connection.close();
      } else {
        EdgeReplies.sendAndClose(client.current, error);
      }
    }
  }

  /**
   * Shutdown has begun: every response not yet started says {@code Connection: close} and its connection closes after
   * it, reading no further request. A connection between requests is closed only once it has stayed quiet for
   * {@code server.drain_quiet} (see {@link #sweep}): closing it at once would reset a client that is sending its next
   * request on it at that moment, the "socket hang up" of keep-alive clients at a restart.
   */
  void drain() {
    if (draining) {
      return;
    }
    draining = true;
    for (Client client : List.copyOf(clients.values())) {
      HttpServerRequest current = client.current;
      if (current != null && !current.response().ended()) {
        shutdown(client);
      }
    }
  }

  /** While draining, a connection is closed once it has been seen idle this long. */

  private void shutdown(Client client) {
    if (client.shutDown) {
      return;
    }
    client.shutDown = true;
    HttpServerRequest current = client.current;
    if (current != null && !current.response().headWritten() && !current.response().ended()) {
      current.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    // Closes once the response in flight (if any) is done; no further request is read from it.
    client.connection.shutdown(closeBackstopMillis, TimeUnit.MILLISECONDS);
  }

  /** Connections not yet closing that drain still waits for: idle keep-alive ones and ones not told to close. */
  int busyOrIdle() {
    int n = 0;
    for (Client client : clients.values()) {
      if (!client.shutDown && !client.handled) {
        n++;
      }
    }
    return n;
  }
}
