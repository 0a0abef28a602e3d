package dev.switchboard.provider;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.ProviderType;
import dev.switchboard.config.Secrets;

import java.util.List;

/** A configured provider: its identity, its immutable config, the adapter that speaks its API and its live stats. */
public final class Provider {
  private final ProviderConfig config;
  private final ProviderAdapter adapter;
  private final ProviderStats stats;
  private volatile Secrets secrets;

  /** @param secrets every secret of the configuration, which this provider's error texts must never carry */
  public Provider(ProviderConfig config, ProviderAdapter adapter, java.time.Duration statsWindow, Clocks clocks,
                  Secrets secrets) {
    this(config, adapter, new ProviderStats(statsWindow, clocks.nanoTime(), clocks.wall()), secrets);
  }

  /** The same provider under a changed config (a rotated key, a new base URL): its live stats carry over. */
  Provider(ProviderConfig config, ProviderAdapter adapter, ProviderStats stats, Secrets secrets) {
    this.config = config;
    this.adapter = adapter;
    this.stats = stats;
    this.secrets = secrets;
  }

  /** A reload's secrets: the new config's and the ones before it, which requests still open may carry. */
  void secrets(Secrets secrets) {
    this.secrets = secrets;
  }

  /** Every secret of the configuration, not only this provider's key: which one a text carries is not guessed. */
  public Secrets secrets() {
    return secrets;
  }

  public String id() {
    return config.id();
  }

  public ProviderType type() {
    return config.type();
  }

  public ProviderConfig config() {
    return config;
  }

  public ProviderAdapter adapter() {
    return adapter;
  }

  public ProviderStats stats() {
    return stats;
  }

  public boolean enabled() {
    return config.enabled();
  }

  public boolean isLocal() {
    return config.type() == ProviderType.LOCAL;
  }

  /** Why this provider cannot serve the request (see {@link ProviderAdapter#unsupported}), or null. */
  public String unsupported(dev.switchboard.api.GatewayRequest request) {
    return adapter == null ? null : adapter.unsupported(request);
  }

  /** Whether this provider lists the model, exactly or through a prefix pattern such as "openai/*". */
  public boolean serves(String model) {
    List<String> models = config.models();
    for (int i = 0; i < models.size(); i++) {
      String m = models.get(i);
      if (m.endsWith("*") ? model.startsWith(m.substring(0, m.length() - 1)) : m.equals(model)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "Provider[" + id() + "]";
  }
}
