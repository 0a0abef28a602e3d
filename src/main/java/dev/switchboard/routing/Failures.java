package dev.switchboard.routing;

import dev.switchboard.provider.UpstreamError;
import dev.switchboard.api.ApiError;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

/** Builds the client-facing error for each way an attempt can fail. Messages say what happened, never a secret. */
final class Failures {
  private Failures() {
  }

  static FailureKind kindOf(UpstreamError e) {
    int status = e.status();
    if (status == 429) {
      return "insufficient_quota".equals(e.code()) ? FailureKind.QUOTA : FailureKind.RATE_LIMITED;
    }
    if (status == 402) {
      return FailureKind.QUOTA;
    }
    if (status == 401 || status == 403) {
      return FailureKind.AUTH;
    }
    if (status == 529 || "overloaded_error".equals(e.type()) || "overloaded_error".equals(e.code())) {
      return FailureKind.OVERLOADED;
    }
    if (status == 408 || status == 409 || status >= 500) {
      return FailureKind.SERVER_ERROR;
    }
    if (status < 400) {
      return FailureKind.BROKEN_REPLY;
    }
    if (status == 404) {
      return FailureKind.NOT_FOUND;
    }
    if (isContentPolicy(e)) {
      return FailureKind.CONTENT_POLICY;
    }
    return isContextLength(e) ? FailureKind.CONTEXT_LENGTH : FailureKind.INVALID_REQUEST;
  }

  /** OpenAI's and Azure's words for a refusal by the provider's content policy. */
  private static boolean isContentPolicy(UpstreamError e) {
    return "content_filter".equals(e.code()) || "content_policy_violation".equals(e.code())
        || "content_filter".equals(e.type()) || "content_policy_violation".equals(e.type());
  }

  private static boolean isContextLength(UpstreamError e) {
    if ("context_length_exceeded".equals(e.code())) {
      return true;
    }
    String m = e.message() == null ? "" : e.message().toLowerCase(java.util.Locale.ROOT);
    return m.contains("context length") || m.contains("context window") || m.contains("maximum context")
        || m.contains("prompt is too long");
  }

  /**
   * @param briefWaitMillis the longest Retry-After of a 429 that is a cooldown, not a fault (the circuit's open period)
   */
  static UpstreamFailure fromStatus(String provider, UpstreamError e, long briefWaitMillis) {
    int status = e.status();
    FailureKind kind = kindOf(e);
    if (kind == FailureKind.RATE_LIMITED && e.retryAfterMillis() >= 0 && e.retryAfterMillis() <= briefWaitMillis) {
      kind = FailureKind.ASKED_TO_WAIT;
    }
    // x-switchboard-attempts says why a refusal moved on (a:content-policy,b:200), not just that it was a 400.
    String label = kind == FailureKind.CONTENT_POLICY ? "content-policy" : Integer.toString(status);
    ApiError err;
    if (kind == FailureKind.QUOTA) {
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
      // "overloaded" (Anthropic's 529 overloaded_error) lets the Messages front end answer 529 overloaded_error.
      // A reply without a message (an HTML error page) has only "HTTP 502" as its message: not worth saying twice.
      String detail = ("HTTP " + status).equals(e.message()) ? "" : ": " + e.message();
      err = new ApiError(out, ApiError.UPSTREAM, "Provider '" + provider + "' failed with HTTP " + status + detail,
          null, kind == FailureKind.OVERLOADED ? "overloaded" : "upstream_error");
    } else if (status < 400) {
      // A redirect or informational status is a misconfigured base_url, never an answer to pass on.
      err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' answered with unexpected HTTP " + status
          + " (check its base_url).", null, "invalid_upstream_response");
    } else if (kind == FailureKind.CONTEXT_LENGTH) {
      err = new ApiError(status, ApiError.INVALID_REQUEST, e.message(), e.param() == null ? "messages" : e.param(),
          "context_length_exceeded");
    } else {
      // The client's own input was refused: pass the provider's verdict through as OpenAI would give it.
      err = new ApiError(status, ApiError.INVALID_REQUEST, e.message(), e.param(), e.code());
    }
    return new UpstreamFailure(kind, err, label, e.retryAfterMillis());
  }

  static UpstreamFailure transport(String provider, Throwable t) {
    if (t instanceof UpstreamFailure f) {
      return f;
    }
    String what;
    String label;
    FailureKind kind = FailureKind.CONNECT;
    String message = t.getMessage() == null ? "" : t.getMessage();
    if (message.contains("when getting a connection")) {
      // All of this provider's pooled connections were busy for the whole connect timeout: a local limit.
      ApiError err = new ApiError(503, ApiError.UPSTREAM, "Provider '" + provider + "' has no free connection: all "
          + "max_connections are busy. Retry, or raise the provider's max_connections.", null, "upstream_busy");
      return new UpstreamFailure(FailureKind.POOL_BUSY, err, "pool", 1_000);
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
      kind = FailureKind.STREAM_BROKEN;
    } else {
      what = "failed";
      label = "io";
      kind = FailureKind.STREAM_BROKEN;
    }
    // Exception texts can quote what was being sent (a rejected header value is a provider key) and name the
    // upstream's address: the attempt cleans every failure's texts (UpstreamText) before they go anywhere.
    String detail = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' " + what + ": " + detail, null,
        "upstream_unreachable");
    return new UpstreamFailure(kind, err, label, -1);
  }

  static UpstreamFailure timeout(String provider, String which) {
    ApiError err = new ApiError(504, ApiError.TIMEOUT, "Provider '" + provider + "' exceeded its " + which
        + " timeout.", null, "upstream_timeout");
    return new UpstreamFailure(FailureKind.TIMEOUT, err, "timeout", -1);
  }

  static UpstreamFailure brokenReply(String provider, String why) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' sent an invalid reply: " + why,
        null, "invalid_upstream_response");
    return new UpstreamFailure(FailureKind.BROKEN_REPLY, err, "invalid", -1);
  }

  static UpstreamFailure streamError(String provider, UpstreamError e) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' reported an error in its stream: "
        + e.message(), null, e.code() == null ? "upstream_error" : e.code());
    FailureKind kind = "overloaded_error".equals(e.type()) || "overloaded_error".equals(e.code())
        ? FailureKind.OVERLOADED : FailureKind.STREAM_BROKEN;
    return new UpstreamFailure(kind, err, "stream-error", e.retryAfterMillis());
  }

  static UpstreamFailure streamCut(String provider) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' ended the stream before it was "
        + "complete.", null, "stream_interrupted");
    return new UpstreamFailure(FailureKind.STREAM_BROKEN, err, "cut", -1);
  }

  static UpstreamFailure tooLarge(String provider, long limit) {
    ApiError err = new ApiError(502, ApiError.UPSTREAM, "Provider '" + provider + "' sent a reply larger than the "
        + "gateway's limit of " + limit + " bytes.", null, "upstream_response_too_large");
    return new UpstreamFailure(FailureKind.TOO_LARGE, err, "too-large", -1);
  }

  /**
   * The gateway could not hold this reply: the budget for buffered replies was spent by others, or an allocation
   * failed. Transient and the gateway's own doing, so a 503 that invites a retry, never a partial answer.
   */
  static UpstreamFailure buffersFull(String provider, String why) {
    ApiError err = new ApiError(503, ApiError.SERVER, "Switchboard is holding too many large replies to take "
        + "provider '" + provider + "''s reply now (" + why + "). Retry shortly.", null, "gateway_overloaded");
    // No retry-after: it would cool the provider down (FailoverChain.moveOn) for what is the gateway's own state.
    return new UpstreamFailure(FailureKind.BUFFERS_FULL, err, "buffers-full", -1);
  }
}
