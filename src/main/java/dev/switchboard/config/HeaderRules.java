package dev.switchboard.config;

import java.util.Locale;
import java.util.Set;

/** Headers no {@code forward_headers} allow-list may name: checked once at load and again on every forward. */
public final class HeaderRules {
  /** Hop-by-hop (RFC 9110 §7.6.1), framing and content negotiation the adapter owns, and every credential carrier. */
  private static final Set<String> NEVER = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "content-type", "accept",
      "accept-encoding", "expect", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
      "api-key", "x-goog-api-key", "anthropic-api-key", "openai-api-key");

  private HeaderRules() {
  }

  /** True for a header that never goes to a provider from the client, whatever the config says. */
  public static boolean neverForwarded(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return NEVER.contains(n) || n.startsWith("proxy-") || n.startsWith("x-switchboard-");
  }
}
