package dev.switchboard.config;

/** A key clients present as {@code Authorization: Bearer <key>}; the name is what logs and metrics show. */
public record ClientKeyConfig(String name, Secret key) {
}
