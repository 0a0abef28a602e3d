package dev.switchboard.config;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The running config's current generation, which a reload swaps in with one write. Services whose settings a reload
 * may change read their section from here per decision (one volatile read, no lock) instead of keeping the record
 * they were built with; a request reads it once at its start and keeps what it read to its end.
 *
 * <p>{@link #set} keeps the previous instance of every section that did not change, so a reader that derived state
 * from a section (strategies, retry policy, buckets) can tell a real change by identity ({@code !=}) on the hot path
 * and keep its state otherwise. Thread-safe.
 */
public final class LiveConfig implements Supplier<SwitchboardConfig> {
  private final AtomicReference<SwitchboardConfig> current;

  public LiveConfig(SwitchboardConfig started) {
    this.current = new AtomicReference<>(started);
  }

  /** A holder that never changes: a gateway started from a config in memory, or a test. */
  public static LiveConfig fixed(SwitchboardConfig config) {
    return new LiveConfig(config);
  }

  @Override
  public SwitchboardConfig get() {
    return current.get();
  }

  public RoutingConfig routing() {
    return current.get().routing();
  }

  /** Swaps in {@code next}, keeping the running instance of each section equal to its new value. */
  public SwitchboardConfig set(SwitchboardConfig next) {
    SwitchboardConfig now = current.get();
    SwitchboardConfig kept = new SwitchboardConfig(same(now.server(), next.server()), same(now.auth(), next.auth()),
        same(now.logging(), next.logging()), same(now.providers(), next.providers()),
        same(now.models(), next.models()), same(now.routing(), next.routing()), same(now.health(), next.health()),
        same(now.ratelimit(), next.ratelimit()), same(now.usage(), next.usage()), same(now.cache(), next.cache()),
        same(now.metrics(), next.metrics()), same(now.responses(), next.responses()),
        same(now.reload(), next.reload()), same(now.telemetry(), next.telemetry()),
        same(now.status(), next.status()));
    current.set(kept);
    return kept;
  }

  private static <T> T same(T running, T next) {
    return running.equals(next) ? running : next;
  }
}
