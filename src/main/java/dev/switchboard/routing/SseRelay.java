package dev.switchboard.routing;

import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.SseParser;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.UpstreamError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * A stream, event by event through the provider's {@link StreamTranslator}, with back-pressure. Preamble events (a
 * role-only chunk) are held until the first content event — the commit point — so a failure before it is still a
 * clean HTTP error the chain may fail over from; after it, a failure ends the stream with an in-band error.
 */
final class SseRelay implements Relay {
  private static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;
  /** Preamble events held before the commit point; past this the stream commits anyway (bounded memory). */
  private static final int MAX_HELD_EVENTS = 16;

  private final Host host;
  private final Provider provider;
  /** The attempt's adapter: the provider's own, or its native side for the client's front-end API. */
  private final ProviderAdapter adapter;
  private final GatewayRequest request;
  private final ClientReply reply;
  /** Made once: the translator calls it for every event it emits. */
  private final java.util.function.Consumer<Buffer> emit = this::forward;
  /** The client stream's text for a mid-stream resume, or null when this stream is not resumable. */
  private final StreamSplice splice;
  /** Writes a committed payload to the client (through the splice when there is one). */
  private final java.util.function.Consumer<Buffer> write;
  private StreamTranslator translator;
  private List<Buffer> held;

  SseRelay(Host host, Provider provider, ProviderAdapter adapter, GatewayRequest request, ClientReply reply) {
    this(host, provider, adapter, request, reply, null);
  }

  /** @param splice the client stream's text for a mid-stream resume, or null */
  SseRelay(Host host, Provider provider, ProviderAdapter adapter, GatewayRequest request, ClientReply reply,
           StreamSplice splice) {
    this.splice = splice;
    java.util.function.Consumer<Buffer> toClient = reply::writeEvent;
    this.write = splice == null ? toClient : payload -> splice.pass(payload, toClient);
    this.host = host;
    this.adapter = adapter;
    this.provider = provider;
    this.request = request;
    this.reply = reply;
  }

  @Override
  public void relay(HttpClientResponse resp) {
    StreamTranslator translator = adapter.streamTranslator(request);
    this.translator = translator;
    SseParser parser = new SseParser(MAX_EVENT_BYTES, event -> {
      if (!host.done()) {
        translator.onEvent(event, emit);
      }
    });
    resp.handler(chunk -> {
      if (host.done()) {
        return;
      }
      host.touch();
      reply.expectEventBytes(chunk.length());
      try {
        parser.feed(chunk);
      } catch (IllegalStateException e) {
        host.fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      if (check(translator)) {
        return;
      }
      host.keepPace(resp);
    });
    resp.endHandler(v -> {
      host.responseEnded();
      if (host.done()) {
        return;
      }
      try {
        parser.finish();
      } catch (IllegalStateException e) {
        host.fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      if (!check(translator)) {
        host.fail(Failures.streamCut(provider.id()));
      }
    });
    resp.exceptionHandler(host::bodyBroken);
  }

  private void forward(Buffer payload) {
    if (!reply.committed()) {
      if (!translator.emittedContent() && (held == null || held.size() < MAX_HELD_EVENTS)) {
        // Preamble (a role-only chunk): hold it, so a failure before real content is still a clean HTTP error.
        if (held == null) {
          held = new ArrayList<>(2);
        }
        held.add(payload);
        return;
      }
      if (!host.claimCommit()) {
        return;
      }
      commit();
    } else if (splice != null && translator.emittedContent()) {
      // A continuation: its first content meets its first-token deadline.
      host.contentStarted();
    }
    write.accept(payload);
  }

  /** The commit point of a stream: headers go out, then whatever preamble was held back. */
  private void commit() {
    provider.stats().streamFirstToken(host.elapsedNanos());
    host.contentStarted();
    reply.startStream();
    if (held != null) {
      held.forEach(write);
      held = null;
    }
  }

  /** Acts on the translator's state after new events; true when the stream is over. */
  private boolean check(StreamTranslator translator) {
    if (host.done()) {
      return true;
    }
    reply.usage(splice == null ? translator.usage() : splice.total(translator.usage()));
    UpstreamError error = translator.error();
    if (error != null) {
      host.fail(Failures.streamError(provider.id(), error));
      return true;
    }
    if (translator.done()) {
      if (!reply.committed()) {
        if (!host.claimCommit()) {
          return true;
        }
        commit();
      }
      if (splice != null && splice.resumes() > 0) {
        splice.finish(write);
        // Before the reply ends: the books go to the access log and the ledger then.
        reply.amendLastAttempt(provider.id(), "resumed");
      }
      reply.endStream(null);
      host.succeed();
      return true;
    }
    return false;
  }
}
