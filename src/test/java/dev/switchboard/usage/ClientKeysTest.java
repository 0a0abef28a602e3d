package dev.switchboard.usage;

import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Secret;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Key lookup by the hash of the presented secret, with one reusable digest per thread. */
class ClientKeysTest {
  private static ClientKeyConfig key(String name, String secret) {
    return new ClientKeyConfig(name, Secret.of(secret), null, 0, 0);
  }

  @Test
  void theHashIsHexSha256AndARepeatedOrInterleavedDigestGivesTheSameHash() throws Exception {
    String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertThat(ClientKeys.hash("abc")).isEqualTo(abc);
    assertThat(ClientKeys.hash("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(ClientKeys.hash("abc")).as("the thread's digest was reset by the last use").isEqualTo(abc);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> runs = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        runs.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            String secret = "sk-" + seed + "-" + i;
            java.security.MessageDigest fresh = java.security.MessageDigest.getInstance("SHA-256");
            String expected = java.util.HexFormat.of().formatHex(
                fresh.digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (!ClientKeys.hash(secret).equals(expected)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> run : runs) {
        assertThat(run.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRemovedOrReplacedSecretIsRefusedAndTheNewOneServed() {
    ClientKeys keys = new ClientKeys(List.of(key("a", "sk-a-1"), key("b", "sk-b-1")));
    assertThat(keys.bySecret("sk-a-1").config().name()).isEqualTo("a");
    assertThat(keys.bySecret("sk-unknown")).isNull();

    keys.reconcile(List.of(key("a", "sk-a-2")));
    assertThat(keys.bySecret("sk-a-1")).as("the old secret of a reloaded key").isNull();
    assertThat(keys.bySecret("sk-a-2").config().name()).isEqualTo("a");
    assertThat(keys.bySecret("sk-b-1")).as("a key no longer in the file").isNull();
  }

  @Test
  void aStoredKeyIsFoundByItsSecretUntilRemovedAndAMalformedStoredHashMatchesNothing() {
    ClientKeys keys = new ClientKeys(List.of());
    String secret = ClientKeys.newSecret();
    keys.add(new ClientKeys.Entry(new ClientKeyConfig("created", Secret.of("")), ClientKeys.hash(secret), false, 1));
    keys.add(new ClientKeys.Entry(new ClientKeyConfig("broken", Secret.of("")), "not-hex", false, 2));

    assertThat(keys.bySecret(secret).config().name()).isEqualTo("created");
    assertThat(keys.bySecret("not-hex")).isNull();
    assertThat(keys.bySecret(secret + "x")).isNull();

    keys.remove("created");
    assertThat(keys.bySecret(secret)).as("a revoked key").isNull();
    assertThat(keys.byName("broken")).isNotNull();
  }
}
