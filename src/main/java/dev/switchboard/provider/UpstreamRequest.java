package dev.switchboard.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/** What an adapter wants sent to its provider: method, path below the host, headers and body. */
public record UpstreamRequest(HttpMethod method, String path, MultiMap headers, Buffer body) {
}
