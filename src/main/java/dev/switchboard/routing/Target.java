package dev.switchboard.routing;

import dev.switchboard.provider.Provider;

/** One candidate for serving a request: a provider and the model name to ask it for. */
public record Target(Provider provider, String model) {
  @Override
  public String toString() {
    return provider.id() + "/" + model;
  }
}
