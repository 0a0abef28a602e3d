package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisUrlsTest {

  @Test
  void userPasswordPathAndDatabaseNeverShow() {
    assertThat(RedisUrls.redacted("redis://app:s3cret@cache.internal:6380/2")).isEqualTo("redis://cache.internal:6380");
    assertThat(RedisUrls.redacted("rediss://:s3cret@cache.internal")).isEqualTo("rediss://cache.internal:6379");
  }

  @Test
  void theAddressIsHostAndPortOnly() {
    assertThat(RedisUrls.address("redis://app:s3cret@cache.internal:6380/2")).isEqualTo("cache.internal:6380");
    assertThat(RedisUrls.address("redis://cache.internal")).isEqualTo("cache.internal:6379");
  }

  @Test
  void anUnparseableUrlIsNotEchoed() {
    assertThat(RedisUrls.redacted("redis://s3cret word@")).isEqualTo("(redis url)");
    assertThat(RedisUrls.redacted("s3cret")).isEqualTo("(redis url)");
    assertThat(RedisUrls.address("redis://s3cret word@")).isEqualTo("(redis url)");
  }
}
