package dev.switchboard.config;

/**
 * Where Prometheus scrapes {@code /metrics}, which names client keys, providers, models and spend.
 *
 * @param port 0: {@code /metrics} on the API port; otherwise a listener of its own on this port (same host as the
 *     API), and none on the API port
 * @param auth who may read it: {@code auto} (the admin key on an API port reachable beyond loopback, open on
 *     loopback and on a port of its own), {@code admin_key} (always the admin key) or {@code none}
 */
public record MetricsConfig(int port, String auth) {
  public static final MetricsConfig DEFAULT = new MetricsConfig(0, "auto");

  /**
   * Whether a scrape must carry the admin key.
   *
   * @param ownPort the listener is {@code metrics.port}'s, not the API's
   * @param loopback the listener is reachable from this machine only
   */
  public boolean needsAdminKey(boolean ownPort, boolean loopback) {
    return switch (auth) {
      case "admin_key" -> true;
      case "none" -> false;
      default -> !ownPort && !loopback;
    };
  }
}
