package dev.switchboard.routing;

/**
 * What a request does after one failed attempt (Armeria's {@code RetryDecision}): the {@link RetryPolicy}'s answer,
 * acted on by the failover loop.
 *
 * @param delayMillis for {@link Action#RETRY_SAME}, the backoff before the next try; 0 otherwise
 */
public record RetryDecision(Action action, long delayMillis) {
  public enum Action {
    /** Try the same candidate again after {@link #delayMillis()}. */
    RETRY_SAME,
    /** Move on to the next candidate now. */
    NEXT_CANDIDATE,
    /** Move on to the next candidate with a larger context window (the prompt was too long for this one). */
    LARGER_CONTEXT,
    /** Stop: the client gets this failure's own error, as the provider gave it. */
    GIVE_UP
  }

  public static final RetryDecision NEXT = new RetryDecision(Action.NEXT_CANDIDATE, 0);
  public static final RetryDecision LARGER = new RetryDecision(Action.LARGER_CONTEXT, 0);
  public static final RetryDecision GIVE_UP = new RetryDecision(Action.GIVE_UP, 0);

  public static RetryDecision retrySame(long delayMillis) {
    return new RetryDecision(Action.RETRY_SAME, delayMillis);
  }
}
