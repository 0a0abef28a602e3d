package dev.switchboard.routing;

import dev.switchboard.provider.Provider;

/**
 * What live traffic teaches about a provider, for whoever keeps its health. Called from the gateway event loops
 * after every attempt; implementations must not block.
 */
public interface ProviderEvents {
  ProviderEvents NONE = new ProviderEvents() {
    @Override
    public void attemptFailed(Provider provider, FailureKind kind, String label) {
    }

    @Override
    public void attemptSucceeded(Provider provider) {
    }
  };

  void attemptFailed(Provider provider, FailureKind kind, String label);

  void attemptSucceeded(Provider provider);
}
