package dev.switchboard.routing;

import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.openai.OpenAiErrors;
import dev.switchboard.server.ApiError;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

/** Builds the client-facing error for each way an attempt can fail. Messages say what happened, never a secret. */
final class Failures {
  private Failures() {
  }

  static UpstreamFailure fromStatus(String provider, UpstreamError e) {
    int status = e.status();
    ErrorClass cls = ErrorClass.ofStatus(status, e);
    String label = Integer.toString(status);
    ApiError err;
    if (status == 429 && cls == ErrorClass.FAILOVER || status == 402) {
      err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' has no quota or credit left (HTTP "
          + status + "): " + e.message(), null, "upstream_quota_exhausted");
    } else if (status == 429) {
      err = new ApiError(429, ApiError.RATE_LIMIT, "Provider '" + provider + "' is rate limiting requests: "
          + e.message(), null, "upstream_rate_limited");
    } else if (status == 401 || status == 403) {
      err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' rejected Switchboard's credentials (HTTP "
          + status + "). Check the provider's api_key.", null, "upstream_auth_failed");
    } else if (status == 408 || status == 504) {
      err = new ApiError(504, ApiError.TIMEOUT, "Provider '" + provider + "' timed out (HTTP " + status + "): "
          + e.message(), null, "upstream_timeout");
    } else if (status >= 500) {
      int out = status == 503 ? 503 : 502;
      err = new ApiError(out, ApiError.UPSTREAM, "Provider '" + provider + "' failed with HTTP " + status + ": "
          + e.message(), null, "upstream_error");
    } else if (status < 400) {
      // A redirect or informational status is a misconfigured base_url, never an answer to pass on.
      err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' answered with unexpected HTTP " + status
          + " (check its base_url).", null, "invalid_upstream_response");
      cls = ErrorClass.FAILOVER;
    } else {
      // The client's own input was refused: pass the provider's verdict through as OpenAI would give it.
      err = new ApiError(status, ApiError.INVALID_REQUEST, e.message(), e.param(), e.code());
    }
    return new UpstreamFailure(cls, err, label, e.retryAfterMillis());
  }

  static UpstreamFailure transport(String provider, Throwable t) {
    if (t instanceof UpstreamFailure f) {
      return f;
    }
    String what;
    String label;
    String message = t.getMessage() == null ? "" : t.getMessage();
    if (message.contains("when getting a connection")) {
      // All of this provider's pooled connections were busy for the whole connect timeout: a local limit.
      ApiError err = new ApiError(503, ApiError.UPSTREAM, "Provider '" + provider + "' has no free connection: all "
          + "max_connections are busy. Retry, or raise the provider's max_connections.", null, "upstream_busy");
      return new UpstreamFailure(ErrorClass.RETRY_SAME, err, "pool", 1_000);
    }
    if (t instanceof ConnectException || t instanceof UnknownHostException
        || t.getClass().getSimpleName().contains("ConnectTimeout")) {
      what = "could not connect";
      label = "connect";
    } else if (t instanceof SSLException) {
      what = "TLS handshake failed";
      label = "tls";
    } else if (t instanceof ClosedChannelException || "Connection was closed".equals(t.getMessage())) {
      what = "closed the connection";
      label = "closed";
    } else {
      what = "failed";
      label = "io";
    }
    // Exception texts can quote what was being sent (a rejected header value is a provider key): scrub them.
    String detail = t.getMessage() == null ? t.getClass().getSimpleName() : OpenAiErrors.scrub(t.getMessage());
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' " + what + ": " + detail, null,
        "upstream_unreachable");
    return new UpstreamFailure(ErrorClass.RETRY_SAME, err, label, -1);
  }

  static UpstreamFailure timeout(String provider, String which) {
    ApiError err = new ApiError(504, ApiError.TIMEOUT, "Provider '" + provider + "' exceeded its " + which
        + " timeout.", null, "upstream_timeout");
    return new UpstreamFailure(ErrorClass.RETRY_SAME, err, "timeout", -1);
  }

  static UpstreamFailure brokenReply(String provider, String why) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' sent an invalid reply: " + why,
        null, "invalid_upstream_response");
    return new UpstreamFailure(ErrorClass.RETRY_SAME, err, "invalid", -1);
  }

  static UpstreamFailure streamError(String provider, UpstreamError e) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' reported an error in its stream: "
        + e.message(), null, e.code() == null ? "upstream_error" : e.code());
    return new UpstreamFailure(ErrorClass.RETRY_SAME, err, "stream-error", -1);
  }

  static UpstreamFailure streamCut(String provider) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' ended the stream before it was "
        + "complete.", null, "stream_interrupted");
    return new UpstreamFailure(ErrorClass.RETRY_SAME, err, "cut", -1);
  }

  static UpstreamFailure tooLarge(String provider, long limit) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' sent a reply larger than the "
        + "gateway's limit of " + limit + " bytes.", null, "upstream_response_too_large");
    return new UpstreamFailure(ErrorClass.FINAL, err, "too-large", -1);
  }
}
