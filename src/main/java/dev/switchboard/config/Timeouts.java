package dev.switchboard.config;

import java.time.Duration;

/**
 * Per-provider limits on one upstream attempt.
 *
 * @param connect TCP (and TLS) connection establishment
 * @param firstByte from sending the request to the response head; for a non-stream reply this is the whole generation
 * @param idle longest silence between two chunks of a reply body (stream events)
 * @param total whole attempt, head to last byte
 */
public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {
  public static final Timeouts DEFAULT =
      new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(300), Duration.ofSeconds(60), Duration.ofSeconds(600));
}
