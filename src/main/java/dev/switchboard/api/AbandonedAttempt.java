package dev.switchboard.api;

/**
 * An upstream attempt that was cancelled while the provider was working on it (the loser of a hedge race): its tokens
 * were spent although the client got nothing of it, so the ledger books an estimate of them with the request.
 *
 * @param provider the provider it ran on
 * @param model the model it asked for upstream
 * @param contentChars content characters it produced before it was cancelled (its completion estimate)
 * @param why what ended it, as the attempts label says ({@code hedge_lost})
 */
public record AbandonedAttempt(String provider, String model, long contentChars, String why) {
}
