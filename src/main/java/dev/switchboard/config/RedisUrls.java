package dev.switchboard.config;

import java.net.URI;

/** How a Redis URL may be shown in a log line or the admin API: user, password, path and database never are. */
public final class RedisUrls {
  private static final String UNREADABLE = "(redis url)";

  private RedisUrls() {
  }

  /** {@code scheme://host:port} of {@code url} (port 6379 when it names none), or {@code (redis url)}. */
  public static String redacted(String url) {
    URI uri = parse(url);
    return uri == null ? UNREADABLE : uri.getScheme() + "://" + address(uri);
  }

  /** {@code host:port} of {@code url} (port 6379 when it names none), or {@code (redis url)}. */
  public static String address(String url) {
    URI uri = parse(url);
    return uri == null ? UNREADABLE : address(uri);
  }

  private static String address(URI uri) {
    return uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
  }

  private static URI parse(String url) {
    try {
      URI uri = new URI(url.trim());
      return uri.getScheme() == null || uri.getHost() == null ? null : uri;
    } catch (Exception e) {
      return null;
    }
  }
}
