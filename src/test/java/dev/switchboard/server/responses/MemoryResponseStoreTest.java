package dev.switchboard.server.responses;

import dev.switchboard.testing.FakeClock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-memory store keeps responses for a TTL on an injected clock, within an entry and a byte bound. */
class MemoryResponseStoreTest {
  private final FakeClock clock = new FakeClock();

  private static StoredResponse stored(String id, int textBytes) {
    JsonObject response = new JsonObject().put("id", id).put("object", "response")
        .put("output", new JsonArray().add(new JsonObject().put("type", "message").put("text", "x".repeat(textBytes))));
    return new StoredResponse(id, response, new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private static StoredResponse get(MemoryResponseStore store, String id) {
    return store.get(id).result();
  }

  @Test
  void putGetDelete() {
    MemoryResponseStore store = new MemoryResponseStore(10, 1 << 20, Duration.ofMinutes(5), clock);
    StoredResponse r = stored("resp_1", 10);

    store.put("resp_1", r);
    assertThat(get(store, "resp_1")).isSameAs(r);
    assertThat(get(store, "resp_2")).isNull();
    assertThat(store.delete("resp_1").result()).isTrue();
    assertThat(store.delete("resp_1").result()).isFalse();
    assertThat(get(store, "resp_1")).isNull();
  }

  @Test
  void expiresAfterTheTtlOnTheInjectedClock() {
    MemoryResponseStore store = new MemoryResponseStore(10, 1 << 20, Duration.ofMinutes(5), clock);
    store.put("resp_1", stored("resp_1", 10));

    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(get(store, "resp_1")).isNotNull();
    clock.advance(Duration.ofSeconds(2));
    assertThat(get(store, "resp_1")).as("past the TTL").isNull();
  }

  @Test
  void neverHoldsMoreThanMaxEntriesEvenOfTinyResponses() {
    MemoryResponseStore store = new MemoryResponseStore(3, 1 << 20, Duration.ofHours(1), clock);
    for (int i = 0; i < 50; i++) {
      store.put("resp_" + i, stored("resp_" + i, 1));
    }
    assertThat(store.size()).isLessThanOrEqualTo(3);
  }

  @Test
  void neverHoldsMoreThanMaxBytes() {
    int maxBytes = 10_000;
    MemoryResponseStore store = new MemoryResponseStore(1000, maxBytes, Duration.ofHours(1), clock);
    for (int i = 0; i < 50; i++) {
      store.put("resp_" + i, stored("resp_" + i, 1_000));
    }
    long held = 0;
    for (int i = 0; i < 50; i++) {
      StoredResponse r = get(store, "resp_" + i);
      held += r == null ? 0 : r.toJson().toBuffer().length();
    }
    assertThat(held).isPositive().isLessThanOrEqualTo(maxBytes);
    assertThat(store.size()).isLessThan(10);
  }

  @Test
  void refusesNonPositiveBounds() {
    assertThatThrownBy(() -> new MemoryResponseStore(0, 1, Duration.ofSeconds(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MemoryResponseStore(1, 1, Duration.ZERO, clock))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
