package dev.switchboard.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what a test opened (gateways, fake providers, collectors) after it, last opened first, so the gateway stops
 * before its upstreams and no test class repeats the null-checking {@code @AfterEach}. Use as an instance field,
 * declared before the fields it opens: {@code @RegisterExtension final Closer closer = new Closer();} then
 * {@code private final FakeProvider up = closer.register(new FakeProvider());}. Closing twice must be harmless for
 * what is registered (a test may stop its gateway itself).
 */
public final class Closer implements AfterEachCallback {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  /** Closed after the test; returns {@code resource} for use in an initialiser or assignment. */
  public <T extends AutoCloseable> T register(T resource) {
    open.push(resource);
    return resource;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception first = null;
    while (!open.isEmpty()) {
      try {
        open.pop().close();
      } catch (Exception e) {
        // Close the rest anyway: one that fails must not leave ports and threads to the next test.
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
