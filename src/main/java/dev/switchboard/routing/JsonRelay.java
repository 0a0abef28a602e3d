package dev.switchboard.routing;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.TranslatedReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole reply: read within the per-reply size limit while its bytes are held against the process-wide
 * {@link BufferBudget}, translated, then sent — as JSON, or converted to events when the client asked for a stream
 * and the provider answered whole. Nothing reaches the client before the whole reply is read, so any failure here is
 * one the chain may fail over from.
 */
final class JsonRelay implements Relay {
  private final Host host;
  private final Provider provider;
  /** The attempt's adapter: the provider's own, or its native side for the client's front-end API. */
  private final ProviderAdapter adapter;
  private final GatewayRequest request;
  private final ClientReply reply;
  private final long maxResponseBytes;
  private final BufferBudget buffers;
  /** Bytes of this reply held against {@link #buffers}; given back however the attempt ends. */
  private long reservedBytes;

  /** @param maxResponseBytes the largest whole reply the gateway buffers */
  JsonRelay(Host host, Provider provider, ProviderAdapter adapter, GatewayRequest request, ClientReply reply, long maxResponseBytes,
            BufferBudget buffers) {
    this.host = host;
    this.adapter = adapter;
    this.provider = provider;
    this.request = request;
    this.reply = reply;
    // A reply larger than the whole budget could never be held: that is a size limit, not a transient overload.
    this.maxResponseBytes = Math.min(maxResponseBytes, buffers.capacityBytes());
    this.buffers = buffers;
  }

  @Override
  public void relay(HttpClientResponse resp) {
    int status = resp.statusCode();
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    collect(resp).onComplete(body -> {
      if (host.done()) {
        return;
      }
      if (body.failed()) {
        host.fail(Failures.transport(provider.id(), body.cause()));
        return;
      }
      try {
        deliver(status, contentType, body.result());
      } catch (OutOfMemoryError e) {
        // Never a partial or fake answer: whatever was begun is cut, and the chain reports the failure.
        if (reply.committed() && !request.stream()) {
          reply.abortRaw();
        }
        host.fail(Failures.buffersFull(provider.id(), "the gateway ran out of memory"));
      }
    });
  }

  /** Sends a whole reply, converted to events when the client asked for a stream. */
  private void deliver(int status, String contentType, Buffer body) {
    TranslatedReply translated;
    try {
      translated = adapter.translateReply(request, contentType, body);
    } catch (IllegalArgumentException e) {
      host.fail(Failures.brokenReply(provider.id(), e.getMessage()));
      return;
    }
    reply.usage(translated.usage());
    if (request.stream()) {
      // The provider ignored stream: true and answered whole. The client reads SSE, so convert faithfully
      // rather than hand it a JSON body its SDK would read as an empty stream.
      List<Buffer> events;
      try {
        events = adapter.replyAsStream(request, translated.body());
      } catch (IllegalArgumentException e) {
        host.fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      reply.startStream();
      events.forEach(reply::writeEvent);
      reply.endStream(null);
      release();
    } else {
      Future<Void> written = reply.sendJson(status, translated.contentType(), translated.body());
      // The bytes stay in memory until they have left for the client: the reservation goes with them.
      long held = reservedBytes;
      reservedBytes = 0;
      written.onComplete(v -> buffers.release(held));
    }
    host.succeed();
  }

  /**
   * Reads a whole reply within the per-reply limit, holding its bytes against the budget: all of a declared
   * Content-Length up front (refused before a byte is read, and buffered without regrowth), or chunk by chunk when the
   * length is unknown. A chunk that cannot be held fails the reply; it is never skipped.
   */
  private Future<Buffer> collect(HttpClientResponse resp) {
    long limit = maxResponseBytes;
    long declared = contentLength(resp);
    if (declared > limit) {
      return Future.failedFuture(Failures.tooLarge(provider.id(), limit));
    }
    if (declared >= 0 && !reserve(declared)) {
      return Future.failedFuture(Failures.buffersFull(provider.id(), "server.max_buffered_responses is in use"));
    }
    Promise<Buffer> p = Promise.promise();
    Chunks chunks = new Chunks();
    long[] received = {0};
    resp.handler(chunk -> {
      if (p.future().isComplete()) {
        return;
      }
      host.touch();
      try {
        long needed = received[0] + chunk.length();
        if (needed > limit) {
          p.tryFail(Failures.tooLarge(provider.id(), limit));
          return;
        }
        if (needed > reservedBytes && !reserve(needed - reservedBytes)) {
          p.tryFail(Failures.buffersFull(provider.id(), "server.max_buffered_responses is in use"));
          return;
        }
        chunks.add(chunk);
        received[0] = needed;
      } catch (Throwable t) {
        // An allocation failing here (OutOfMemoryError) would otherwise be logged by Vert.x and the chunk dropped,
        // leaving a valid-looking reply with a hole in it.
        p.tryFail(unbufferable(t));
      }
    });
    resp.endHandler(v -> {
      host.responseEnded();
      if (p.future().isComplete()) {
        return;
      }
      try {
        p.tryComplete(chunks.whole(received[0]));
      } catch (Throwable t) {
        p.tryFail(unbufferable(t));
      }
    });
    resp.exceptionHandler(t -> {
      host.responseEnded();
      p.tryFail(t);
    });
    return p.future();
  }

  /**
   * A reply's chunks as they came, copied once at the end into one buffer of the final length (never into a buffer
   * regrown, and copied, every few megabytes). A reply that came in one chunk, the usual case for a JSON answer, is
   * that chunk: Vert.x hands the response's content over in a buffer of its own, so no copy is needed at all.
   */
  private static final class Chunks {
    private Buffer first;
    private List<Buffer> more;

    void add(Buffer chunk) {
      if (first == null) {
        first = chunk;
        return;
      }
      if (more == null) {
        more = new ArrayList<>();
      }
      more.add(chunk);
    }

    Buffer whole(long length) {
      if (first == null) {
        return Buffer.buffer();
      }
      if (more == null) {
        return first;
      }
      Buffer whole = Buffer.buffer((int) length);
      whole.appendBuffer(first);
      more.forEach(whole::appendBuffer);
      first = null;
      more = null;
      return whole;
    }
  }

  private UpstreamFailure unbufferable(Throwable t) {
    return Failures.buffersFull(provider.id(), t instanceof OutOfMemoryError ? "the gateway ran out of memory"
        : "the reply could not be buffered");
  }

  /** The declared Content-Length, or -1 when absent or unreadable (chunked replies). */
  private static long contentLength(HttpClientResponse resp) {
    String value = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private boolean reserve(long bytes) {
    if (!buffers.tryReserve(bytes)) {
      return false;
    }
    reservedBytes += bytes;
    return true;
  }

  @Override
  public void release() {
    if (reservedBytes > 0) {
      buffers.release(reservedBytes);
      reservedBytes = 0;
    }
  }
}
