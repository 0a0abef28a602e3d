package dev.switchboard.routing;

import dev.switchboard.config.HeaderRules;
import dev.switchboard.config.ProviderConfig;
import io.vertx.core.MultiMap;

import java.util.List;

/**
 * Which of the client's headers reach a provider: always {@code x-request-id} (the gateway's own id when the client
 * sent none) and the client's W3C trace context ({@code traceparent}, {@code tracestate}; a traced request's own
 * attempt span replaces it), plus the provider's {@code forward_headers} allow-list. Hop-by-hop, framing and
 * credential headers never pass, whatever the list says (config refuses them too; this is the second lock).
 */
final class ForwardedHeaders {
  static final String REQUEST_ID = "x-request-id";
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  private ForwardedHeaders() {
  }

  /** Adds the forwarded client headers to {@code upstream}, never over one the adapter set itself. */
  static void apply(String requestId, MultiMap client, ProviderConfig provider, MultiMap upstream) {
    upstream.set(REQUEST_ID, requestId);
    if (client == null) {
      return;
    }
    copy(client, TRACEPARENT, upstream);
    copy(client, TRACESTATE, upstream);
    List<String> allowed = provider.forwardHeaders();
    for (int i = 0; i < allowed.size(); i++) {
      String name = allowed.get(i);
      if (!HeaderRules.neverForwarded(name) && !upstream.contains(name)) {
        copy(client, name, upstream);
      }
    }
  }

  private static void copy(MultiMap client, String name, MultiMap upstream) {
    // get() first: most requests carry none of these, and getAll() would allocate a list for each.
    if (client.get(name) != null) {
      upstream.set(name, client.getAll(name));
    }
  }
}
