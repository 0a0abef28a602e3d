package dev.switchboard.usage;

/**
 * One request in the ledger.
 *
 * @param provider who served it, or null when nobody did
 * @param estimated token counts are the gateway's own estimate (a stream cut short, a provider without usage)
 */
public record LedgerRow(long timeMillis, String requestId, String keyName, String provider, String model,
                        long promptTokens, long completionTokens, long cachedTokens, double cost, long latencyMillis,
                        long ttftMillis, int status, boolean cacheHit, String attempts, boolean estimated) {
}
