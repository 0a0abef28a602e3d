package dev.switchboard.config;

/** One place a model alias can be served: a provider and the model name that provider knows it by. */
public record TargetRef(String provider, String model) {
}
