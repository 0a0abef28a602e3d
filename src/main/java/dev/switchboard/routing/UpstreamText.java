package dev.switchboard.routing;

import dev.switchboard.provider.Provider;
import dev.switchboard.provider.openai.OpenAiErrors;
import dev.switchboard.api.ApiError;

import java.util.regex.Pattern;

/**
 * Makes text that came from upstream (an error message, an exception's text) safe to show a client, write to a log
 * or publish as an event: every configured secret removed by value, then upstream addresses (URLs, host:port)
 * replaced by the provider's id, then the pattern scrubber as a second net for key-like strings nobody configured.
 * By value first: a pattern matching inside a secret would leave the rest of it for the value to miss.
 */
final class UpstreamText {
  /** A URL with a scheme: may carry a key in its query (Gemini's {@code ?key=}) and names the upstream host. */
  private static final Pattern URL = Pattern.compile("\\b[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>]+");
  /** host:port, as Netty and the JDK write them ({@code localhost/127.0.0.1:8080}, {@code api.x.com:443}). */
  private static final Pattern HOST_PORT = Pattern.compile("(?:\\blocalhost|\\b\\d{1,3}(?:\\.\\d{1,3}){3}"
      + "|\\[[0-9A-Fa-f:.]+\\]|\\b(?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,})(?:/[0-9A-Fa-f.:]+)?:\\d{1,5}\\b");

  private UpstreamText() {
  }

  static String clean(String text, Provider provider) {
    if (text == null) {
      return null;
    }
    String out = provider.secrets().scrub(text);
    String where = "[provider " + provider.id() + "]";
    out = URL.matcher(out).replaceAll(java.util.regex.Matcher.quoteReplacement(where));
    out = HOST_PORT.matcher(out).replaceAll(java.util.regex.Matcher.quoteReplacement(where));
    String host = provider.config().baseUrl() == null ? null : provider.config().baseUrl().getHost();
    if (host != null && host.length() >= 4) {
      out = out.replace(host, where);
    }
    return OpenAiErrors.scrub(out);
  }

  /** {@code failure} with its client error's texts cleaned. */
  static UpstreamFailure clean(UpstreamFailure failure, Provider provider) {
    ApiError e = failure.clientError();
    ApiError safe = new ApiError(e.status(), e.type(), clean(e.message(), provider), clean(e.param(), provider),
        clean(e.code(), provider));
    return safe.equals(e) ? failure
        : new UpstreamFailure(failure.kind(), safe, failure.label(), failure.retryAfterMillis());
  }
}
