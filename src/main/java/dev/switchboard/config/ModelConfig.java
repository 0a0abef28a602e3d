package dev.switchboard.config;

import java.util.List;

/** A public model name (alias) clients may ask for, and the ordered targets that can serve it. */
public record ModelConfig(String name, List<TargetRef> targets) {
  public ModelConfig {
    targets = List.copyOf(targets);
  }
}
