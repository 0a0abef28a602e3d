package dev.switchboard.usage;

import dev.switchboard.config.Budget;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.Secret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every client key: those in config and those created through the admin API. Keys are looked up by the SHA-256 of
 * what the client presents, so the secrets themselves are never kept: a created key's secret is shown once, at
 * creation, and stored only as its hash. Thread-safe; lookups are one map read.
 */
public final class ClientKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A key and where it came from. */
  public record Entry(ClientKeyConfig config, String hash, boolean fromConfig, long created) {
  }

  /** By the SHA-256 of the secret as bytes: found without formatting the presented secret's digest as hex. */
  private final Map<Digest, Entry> byDigest = new ConcurrentHashMap<>();
  /** Once any key existed, the gateway stays closed: revoking the last key must not open it to everyone. */
  private volatile boolean everHadKeys;
  private final Map<String, Entry> byName = new ConcurrentHashMap<>();
  /** Bumped by every add and remove, so a reload can tell that its read went stale while it was in flight. */
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

  public ClientKeys(List<ClientKeyConfig> configured) {
    for (ClientKeyConfig k : configured) {
      add(new Entry(k, hash(k.key().reveal()), true, 0));
    }
  }

  /**
   * One digest per thread: {@code MessageDigest.getInstance} walks the security providers on every call, which cost
   * more than the digest itself on the authentication path. {@code digest} resets it for the next use.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });
  private static final HexFormat HEX = HexFormat.of();

  public static String hash(String secret) {
    return HEX.formatHex(SHA_256.get().digest(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** A new secret: "sk-sb-" and 32 random bytes, URL-safe base64. */
  public static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "sk-sb-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public void add(Entry e) {
    everHadKeys = true;
    byDigest.put(Digest.ofHex(e.hash()), e);
    byName.put(e.config().name(), e);
    generation.incrementAndGet();
  }

  /**
   * After a reload: the file's keys become {@code configured}. A key in the file by the same name and secret keeps
   * its entry if unchanged and takes its new limits, budget and models otherwise; a new one is added; a file key no
   * longer in the file is removed (its secret is refused from the next request). Keys created through the admin API
   * are not touched. Readers see each key's change whole (one map write per key).
   *
   * @return the names of the keys added, changed or removed, in that order of kinds
   */
  public synchronized List<String> reconcile(List<ClientKeyConfig> configured) {
    List<String> changed = new ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    for (ClientKeyConfig k : configured) {
      names.add(k.name());
      Entry old = byName.get(k.name());
      if (old != null && old.config().equals(k)) {
        continue;
      }
      Entry next = new Entry(k, hash(k.key().reveal()), true, 0);
      if (old != null && !old.hash().equals(next.hash())) {
        byDigest.remove(Digest.ofHex(old.hash()));
      }
      add(next);
      changed.add(k.name());
    }
    for (Entry e : List.copyOf(byName.values())) {
      if (e.fromConfig() && !names.contains(e.config().name())) {
        remove(e.config().name());
        changed.add(e.config().name());
      }
    }
    return changed;
  }

  /** Changes so far (see the field). */
  public long generation() {
    return generation.get();
  }

  public Entry remove(String name) {
    Entry e = byName.remove(name);
    if (e != null) {
      byDigest.remove(Digest.ofHex(e.hash()));
      generation.incrementAndGet();
    }
    return e;
  }

  /** The key whose secret hashes to this, or null. */
  public Entry bySecret(String secret) {
    return byDigest.get(new Digest(SHA_256.get().digest(secret.getBytes(StandardCharsets.UTF_8))));
  }

  /**
   * A SHA-256 digest as a map key. Compared in constant time ({@link MessageDigest#isEqual}); hashed by its first four
   * bytes, which a cryptographic digest spreads evenly.
   */
  private static final class Digest {
    private final byte[] bytes;
    private final int hash;

    Digest(byte[] bytes) {
      this.bytes = bytes;
      int h = 0;
      for (int i = 0; i < Math.min(4, bytes.length); i++) {
        h = h << 8 | bytes[i] & 0xff;
      }
      this.hash = h;
    }

    /** The digest a stored hex hash names; a malformed one keys by its text, which no real digest equals. */
    static Digest ofHex(String hex) {
      try {
        return new Digest(HEX.parseHex(hex));
      } catch (IllegalArgumentException e) {
        return new Digest(("malformed:" + hex).getBytes(StandardCharsets.UTF_8));
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Digest d && MessageDigest.isEqual(bytes, d.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  public Entry byName(String name) {
    return byName.get(name);
  }

  /** A key's config by name, or null (rate limits and budgets look keys up by name). */
  public ClientKeyConfig config(String name) {
    Entry e = byName.get(name);
    return e == null ? null : e.config();
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** Whether the gateway is open: no key has ever existed (in config, the ledger or through the admin API). */
  public boolean open() {
    return !everHadKeys;
  }

  public Collection<Entry> all() {
    return byName.values();
  }

  /** The stored form of a created key: everything but the secret. */
  public static JsonObject spec(ClientKeyConfig k) {
    JsonObject o = new JsonObject().put("models", new JsonArray(new ArrayList<>(k.models())))
        .put("priority", k.priority()).put("max_priority", k.maxPriority());
    if (k.limits() != null) {
      o.put("limits", new JsonObject().put("rpm", k.limits().rpm()).put("tpm", k.limits().tpm())
          .put("burst_requests", k.limits().burstRequests()).put("burst_tokens", k.limits().burstTokens()));
    }
    Budget b = k.budget();
    o.put("budget", new JsonObject().put("daily", b.daily()).put("weekly", b.weekly()).put("monthly", b.monthly()));
    return o;
  }

  /** A key from its stored spec; its secret is unknown (only the hash is kept). */
  public static ClientKeyConfig fromSpec(String name, JsonObject spec) {
    JsonObject l = spec.getJsonObject("limits");
    Limits limits = l == null ? null : new Limits(l.getLong("rpm", 0L), l.getLong("tpm", 0L),
        l.getLong("burst_requests", l.getLong("rpm", 0L)), l.getLong("burst_tokens", l.getLong("tpm", 0L)));
    JsonObject b = spec.getJsonObject("budget", new JsonObject());
    List<String> models = new ArrayList<>();
    spec.getJsonArray("models", new JsonArray()).forEach(m -> models.add(String.valueOf(m)));
    return new ClientKeyConfig(name, Secret.of(""), limits, spec.getInteger("priority", 0),
        spec.getInteger("max_priority", 0), models, new Budget(b.getDouble("daily", 0.0), b.getDouble("weekly", 0.0),
        b.getDouble("monthly", 0.0)));
  }
}
