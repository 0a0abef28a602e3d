package dev.switchboard.routing;

import io.vertx.core.http.HttpClientResponse;

/**
 * Moves one successful upstream reply body to the client, one class per kind of reply: whole JSON
 * ({@link JsonRelay}), SSE events ({@link SseRelay}) or opaque bytes ({@link RawRelay}). The {@link Attempt} owns the
 * transport and the timeouts and picks the relay once the response head arrived; the relay reports back through
 * its {@link Host}. Confined to the request's event loop.
 */
interface Relay {
  /** Starts relaying {@code resp}, whose head has arrived with a 2xx status. */
  void relay(HttpClientResponse resp);

  /** Gives back whatever the relay holds against shared budgets; called however the attempt ends. */
  default void release() {
  }

  /** The attempt's side of a relay. */
  interface Host {
    /** Whether the attempt is over (succeeded, failed or cancelled): late callbacks do nothing. */
    boolean done();

    /** Upstream activity: resets the idle timeout. */
    void touch();

    /** The upstream HTTP response is over (ended or broke off). */
    void responseEnded();

    /** The client has its whole reply. */
    void succeed();

    /** The reply failed; before the commit point the chain may try elsewhere, after it the client is told in-band. */
    void fail(UpstreamFailure failure);

    /**
     * Whether this attempt may commit the reply now: true when it runs alone or is the first of hedged attempts to
     * get here (the others are cancelled); false when another already has, and nothing of this one may be written.
     */
    default boolean claimCommit() {
      return true;
    }

    /** The first content event of a stream arrived (its commit point): the first-token deadline is met. */
    default void contentStarted() {
    }

    /** Nanos since the attempt started, for time-to-first-token. */
    long elapsedNanos();

    /**
     * When the client reads slower than the provider writes, stop reading upstream until it catches up, so the
     * gateway never holds more than a socket buffer of a reply.
     */
    void keepPace(HttpClientResponse resp);

    /** The upstream body broke off (reset, close). */
    void bodyBroken(Throwable cause);
  }
}
