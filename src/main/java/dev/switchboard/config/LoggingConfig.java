package dev.switchboard.config;

/** @param accessLog one JSON line per request on stdout */
public record LoggingConfig(boolean accessLog, String level) {
}
