package dev.switchboard.logging;

import io.vertx.core.buffer.Buffer;

/**
 * One request's bodies as captured, not yet redacted or encoded (that is the writer thread's work).
 *
 * @param request the request body as received (whole: path redaction needs all of it; the writer's queue bounds the
 *     bytes waiting)
 * @param response the captured reply: a JSON body or newline-separated stream events, cut at the capture's bound
 */
record PayloadRecord(String requestId, String keyName, String model, String provider, int status, String errorCode,
                     boolean stream, Buffer request, byte[] response, boolean responseTruncated) {

  long bytes() {
    return request.length() + response.length;
  }
}
