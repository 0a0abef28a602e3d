package dev.switchboard.config;

import java.time.Duration;

/**
 * Per-provider limits on one upstream attempt.
 *
 * @param connect TCP (and TLS) connection establishment
 * @param firstByte from sending the request to the response head; for a non-stream reply this is the whole generation
 * @param idle longest silence between two chunks of a reply body (stream events)
 * @param total whole attempt, head to last byte
 * @param firstToken from sending a stream request to its first content event (text, tool call); past it the attempt
 *     is abandoned before commit and the next candidate tried; null: derived from the provider's live TTFT
 *     ({@link FirstTokenConfig})
 */
public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total, Duration firstToken) {
  public static final Timeouts DEFAULT =
      new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(300), Duration.ofSeconds(60), Duration.ofSeconds(600));

  public Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {
    this(connect, firstByte, idle, total, null);
  }
}
