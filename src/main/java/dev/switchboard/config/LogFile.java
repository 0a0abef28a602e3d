package dev.switchboard.config;

/**
 * A log file rolled by size and by day (Logback's size-and-time policy): the live file is {@code path}; rolled ones
 * are {@code path.yyyy-MM-dd.N.gz}, kept for {@code maxHistoryDays} days and {@code totalSizeBytes} in all.
 */
public record LogFile(String path, long maxSizeBytes, int maxHistoryDays, long totalSizeBytes) {
}
