package dev.switchboard.usage;

/**
 * One request in the ledger.
 *
 * @param provider who served it, or null when nobody did
 * @param estimated token counts are the gateway's own estimate (a stream cut short, a provider without usage)
 * @param endUser who the request was for ({@code user}, {@code metadata.user_id} or the end-user header), or null
 */
public record LedgerRow(long timeMillis, String requestId, String keyName, String provider, String model,
                        long promptTokens, long completionTokens, long cachedTokens, double cost, long latencyMillis,
                        long ttftMillis, int status, boolean cacheHit, String attempts, boolean estimated,
                        String endUser) {

  public LedgerRow(long timeMillis, String requestId, String keyName, String provider, String model,
                   long promptTokens, long completionTokens, long cachedTokens, double cost, long latencyMillis,
                   long ttftMillis, int status, boolean cacheHit, String attempts, boolean estimated) {
    this(timeMillis, requestId, keyName, provider, model, promptTokens, completionTokens, cachedTokens, cost,
        latencyMillis, ttftMillis, status, cacheHit, attempts, estimated, null);
  }
}
