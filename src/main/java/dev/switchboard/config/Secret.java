package dev.switchboard.config;

/**
 * A credential. Its toString never reveals the value, so a record holding one can be logged safely.
 */
public final class Secret {
  private static final Secret EMPTY = new Secret("");
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return value == null || value.isEmpty() ? EMPTY : new Secret(value);
  }

  public static Secret empty() {
    return EMPTY;
  }

  public boolean isPresent() {
    return !value.isEmpty();
  }

  /** The raw value, for the one place that must send it upstream. */
  public String reveal() {
    return value;
  }

  /** By value: a reload compares provider configs to tell a rotated key from an unchanged one. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && java.security.MessageDigest.isEqual(
        value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        other.value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return isPresent() ? "Secret[***]" : "Secret[empty]";
  }
}
