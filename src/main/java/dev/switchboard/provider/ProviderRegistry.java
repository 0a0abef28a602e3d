package dev.switchboard.provider;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.provider.anthropic.AnthropicAdapter;
import dev.switchboard.provider.azure.AzureAdapter;
import dev.switchboard.provider.gemini.GeminiAdapter;
import dev.switchboard.provider.openai.OpenAiAdapter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configured provider, in config order; shared by all event loops. A reload {@link #apply applies} a new config:
 * the map is replaced in one volatile write, so a reader sees the old set or the new one, never a mix. A provider
 * whose config is unchanged stays the same object; a changed one (a rotated key, a new base URL) is a new object
 * that keeps the old one's live stats. Requests that already hold a {@link Provider} keep using it to their end.
 */
public final class ProviderRegistry {
  /** Event-bus address of {@link Changes} as JSON, published after a reload changed the set of providers. */
  public static final String CHANGED_ADDRESS = "switchboard.providers.changed";

  private volatile Map<String, Provider> providers;
  private volatile Secrets secrets;
  private final Duration statsWindow;
  private final Clocks clocks;

  public ProviderRegistry(SwitchboardConfig config) {
    this(config, Clocks.SYSTEM);
  }

  /** @param clocks time of the providers' live stats */
  public ProviderRegistry(SwitchboardConfig config, Clocks clocks) {
    this.secrets = Secrets.of(config);
    this.statsWindow = config.routing().statsWindow();
    this.clocks = clocks;
    Map<String, Provider> map = new LinkedHashMap<>();
    for (ProviderConfig pc : config.providers().values()) {
      map.put(pc.id(), new Provider(pc, adapterFor(pc), statsWindow, clocks, secrets));
    }
    this.providers = Collections.unmodifiableMap(map);
  }

  /** What a reload did to the providers, by id. */
  public record Changes(List<String> added, List<String> changed, List<String> removed) {
    public boolean any() {
      return !added.isEmpty() || !changed.isEmpty() || !removed.isEmpty();
    }

    public io.vertx.core.json.JsonObject toJson() {
      return new io.vertx.core.json.JsonObject().put("added", added).put("changed", changed).put("removed", removed);
    }
  }

  /**
   * Swaps in the providers of {@code config}. Not for concurrent callers: the reload serialises itself. The old
   * secrets stay known, so an error text of a request still open on a rotated key is scrubbed too.
   */
  public synchronized Changes apply(SwitchboardConfig config) {
    Secrets next = Secrets.of(config).plus(secrets);
    Map<String, Provider> old = providers;
    Map<String, Provider> map = new LinkedHashMap<>();
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    for (ProviderConfig pc : config.providers().values()) {
      Provider before = old.get(pc.id());
      Provider now;
      if (before == null) {
        now = new Provider(pc, adapterFor(pc), statsWindow, clocks, next);
        added.add(pc.id());
      } else if (before.config().equals(pc)) {
        now = before;
      } else {
        now = new Provider(pc, adapterFor(pc), before.stats(), next);
        changed.add(pc.id());
      }
      map.put(pc.id(), now);
    }
    List<String> removed = new ArrayList<>();
    old.keySet().forEach(id -> {
      if (!map.containsKey(id)) {
        removed.add(id);
      }
    });
    old.values().forEach(p -> p.secrets(next));
    map.values().forEach(p -> p.secrets(next));
    this.secrets = next;
    this.providers = Collections.unmodifiableMap(map);
    return new Changes(List.copyOf(added), List.copyOf(changed), List.copyOf(removed));
  }

  /** Every secret of the configuration, to remove from upstream text before it goes anywhere. */
  public Secrets secrets() {
    return secrets;
  }

  private static ProviderAdapter adapterFor(ProviderConfig pc) {
    return switch (pc.type()) {
      case OPENAI -> new OpenAiAdapter(pc);
      case LOCAL -> null;
      case ANTHROPIC -> new AnthropicAdapter(pc);
      case GEMINI -> new GeminiAdapter(pc);
      case AZURE -> new AzureAdapter(pc);
    };
  }

  public Provider get(String id) {
    return providers.get(id);
  }

  public Collection<Provider> all() {
    return providers.values();
  }
}
