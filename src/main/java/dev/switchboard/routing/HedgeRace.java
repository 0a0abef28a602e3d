package dev.switchboard.routing;

import dev.switchboard.api.ClientReply;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's hedged attempts racing for its reply: the first whose stream reaches the commit point (its first
 * content event) wins and every other is cancelled at once — its upstream connection closed, so the provider stops
 * generating. It also owns the client's disconnect for all of them (a reply has one cancel handler). Confined to the
 * request's event loop.
 */
final class HedgeRace {
  private final ClientReply reply;
  private final List<Attempt> runners = new ArrayList<>(2);
  private final Runnable onDecided;
  private Attempt winner;

  /** @param onDecided runs once when a winner is known (the run stops waiting to hedge) */
  HedgeRace(ClientReply reply, Runnable onDecided) {
    this.reply = reply;
    this.onDecided = onDecided;
    reply.onCancel(this::cancelAll);
  }

  void add(Attempt attempt) {
    runners.add(attempt);
  }

  /** Whether {@code attempt} may commit the reply: the first to ask wins, and the others are cancelled. */
  boolean claim(Attempt attempt) {
    if (winner != null) {
      return winner == attempt;
    }
    winner = attempt;
    for (Attempt other : runners) {
      if (other != attempt) {
        other.loseHedge();
      }
    }
    onDecided.run();
    return true;
  }

  /** Whether a second attempt joined the race. */
  boolean hedgeStarted() {
    return runners.size() > 1;
  }

  boolean decided() {
    return winner != null;
  }

  /** Whether any attempt other than {@code attempt} is still running. */
  boolean othersRunning(Attempt attempt) {
    for (Attempt other : runners) {
      if (other != attempt && !other.done()) {
        return true;
      }
    }
    return false;
  }

  private void cancelAll() {
    for (Attempt a : new ArrayList<>(runners)) {
      a.cancelForClient();
    }
  }

  /** The request is over (every attempt ended): the client's disconnect concerns nobody any more. */
  void close() {
    reply.onCancel(null);
  }
}
