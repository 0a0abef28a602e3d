package dev.switchboard.testing;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One PostgreSQL server for a test class: {@code @RegisterExtension static final PostgresServer PG = new
 * PostgresServer();} starts it before the class's first test and stops it after its last. Where PostgreSQL is not
 * installed the class is skipped, not failed (.ci/run installs it). Tests that need a clean slate take a fresh
 * database on it ({@link PostgresProcess#newDatabase}).
 */
public final class PostgresServer implements BeforeAllCallback, AfterAllCallback {
  private PostgresProcess process;

  @Override
  public void beforeAll(ExtensionContext context) {
    Assumptions.assumeTrue(PostgresProcess.find().isPresent(),
        "PostgreSQL (initdb, postgres) is not installed (.ci/run installs Debian's postgresql)");
    process = PostgresProcess.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.close();
      process = null;
    }
  }

  /** The running server; only between the class's first and last test. */
  public PostgresProcess process() {
    return process;
  }
}
