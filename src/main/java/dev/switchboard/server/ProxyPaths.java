package dev.switchboard.server;

import dev.switchboard.api.Endpoint;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.http.HttpServerRequestInternal;

import java.util.HashMap;
import java.util.Map;

/**
 * The proxy endpoints by their exact paths: the POSTs the HTTP server hands straight to their {@link StagePipeline},
 * past vertx-web's Router (which matched every route in order and built a routing context per request). Only a
 * request the Router would have sent to the same handlers with nothing else to do is taken: a POST on the exact
 * path (a query string is fine), HTTP/1.1 with a valid Host or HTTP/1.0, no {@code Expect} but
 * {@code 100-continue}, no multipart body. Anything else (a trailing slash, another method, a path to normalise)
 * goes to the Router, which answers as it always has. Immutable once built; shared by one gateway instance.
 */
final class ProxyPaths {
  /** Where a proxy path goes: the endpoint its body names and the stages it runs. */
  record Target(Endpoint endpoint, StagePipeline pipeline, boolean anthropic) {
  }

  private final Map<String, Target> byPath = new HashMap<>();

  /**
   * @param anthropic whether the client speaks Anthropic's API, so even a refusal before the body is read answers in
   *     its shape
   */
  ProxyPaths add(String path, Endpoint endpoint, StagePipeline pipeline, boolean anthropic) {
    byPath.put(path, new Target(endpoint, pipeline, anthropic));
    return this;
  }

  /** The target of a request the server may dispatch itself; null when the Router must take it. */
  Target match(HttpServerRequest request) {
    if (!HttpMethod.POST.equals(request.method())) {
      return null;
    }
    Target target = byPath.get(request.path());
    if (target == null) {
      return null;
    }
    HttpVersion version = request.version();
    if (version == HttpVersion.HTTP_1_1) {
      // The Router answers a missing or invalid Host with its own 400 (missing_host).
      if (!(request instanceof HttpServerRequestInternal internal) || !internal.isValidAuthority()) {
        return null;
      }
    } else if (version != HttpVersion.HTTP_1_0) {
      return null;
    }
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
      return null;
    }
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
      return null;
    }
    return target;
  }
}
