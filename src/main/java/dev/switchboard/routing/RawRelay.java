package dev.switchboard.routing;

import dev.switchboard.api.ClientReply;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;

/** Opaque bytes (audio), passed through chunk by chunk with back-pressure; committed with the head. */
final class RawRelay implements Relay {
  private final Host host;
  private final ClientReply reply;

  RawRelay(Host host, ClientReply reply) {
    this.host = host;
    this.reply = reply;
  }

  @Override
  public void relay(HttpClientResponse resp) {
    reply.startRaw(resp.statusCode(), resp.getHeader(HttpHeaders.CONTENT_TYPE));
    resp.handler(chunk -> {
      if (host.done()) {
        return;
      }
      host.touch();
      reply.writeRaw(chunk);
      host.keepPace(resp);
    });
    resp.endHandler(v -> {
      host.responseEnded();
      if (!host.done()) {
        reply.endRaw();
        host.succeed();
      }
    });
    resp.exceptionHandler(host::bodyBroken);
  }
}
