package dev.switchboard.provider;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.provider.anthropic.AnthropicAdapter;
import dev.switchboard.provider.azure.AzureAdapter;
import dev.switchboard.provider.gemini.GeminiAdapter;
import dev.switchboard.provider.openai.OpenAiAdapter;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every configured provider, in config order. Built once; shared by all event loops. */
public final class ProviderRegistry {
  private final Map<String, Provider> providers;
  private final Secrets secrets;

  public ProviderRegistry(SwitchboardConfig config) {
    this(config, Clocks.SYSTEM);
  }

  /** @param clocks time of the providers' live stats */
  public ProviderRegistry(SwitchboardConfig config, Clocks clocks) {
    this.secrets = Secrets.of(config);
    Map<String, Provider> map = new LinkedHashMap<>();
    for (ProviderConfig pc : config.providers().values()) {
      map.put(pc.id(), new Provider(pc, adapterFor(pc), config.routing().statsWindow(), clocks, secrets));
    }
    this.providers = Collections.unmodifiableMap(map);
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
