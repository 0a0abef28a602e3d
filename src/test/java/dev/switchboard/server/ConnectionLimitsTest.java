package dev.switchboard.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionLimitsTest {
  @Test
  void globalCapRefusesEveryAddressOnceFullAndFreesOnRelease() {
    ConnectionLimits limits = new ConnectionLimits(2, 10);
    assertThat(limits.admit("10.0.0.1")).isNull();
    assertThat(limits.admit("10.0.0.2")).isNull();
    assertThat(limits.admit("10.0.0.3")).isEqualTo(ConnectionLimits.MAX_CONNECTIONS);
    limits.release("10.0.0.1");
    assertThat(limits.admit("10.0.0.3")).isNull();
    assertThat(limits.open()).isEqualTo(2);
  }

  @Test
  void perClientCapRefusesOnlyThatAddressAndTakesNoGlobalSlot() {
    ConnectionLimits limits = new ConnectionLimits(10, 2);
    assertThat(limits.admit("10.0.0.1")).isNull();
    assertThat(limits.admit("10.0.0.1")).isNull();
    assertThat(limits.admit("10.0.0.1")).isEqualTo(ConnectionLimits.MAX_PER_CLIENT);
    assertThat(limits.admit("10.0.0.2")).as("another client is not affected").isNull();
    assertThat(limits.open()).as("a refusal holds no slot").isEqualTo(3);
    limits.release("10.0.0.1");
    assertThat(limits.admit("10.0.0.1")).isNull();
  }
}
