package dev.switchboard.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.api.FinishListener;
import dev.switchboard.api.FinishListeners;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A log line from the request path, written through the gateway's JUL call site, the JUL bridge and Logback, carries
 * the request id in its MDC; the MDC is empty again after the call (the event loop goes on with other requests).
 */
class RequestLogContextTest {

  @Test
  void aRequestPathLogLineCarriesTheRequestIdAndTheMdcIsClearedAfter() {
    Logger target = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(FinishListeners.class.getName());
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    target.addAppender(seen);
    SLF4JBridgeHandler.install();
    try {
      FinishListener failing = outcome -> {
        throw new IllegalStateException("listener bug");
      };
      new FinishListeners(List.of(failing)).finished(outcome("req-42"));
    } finally {
      SLF4JBridgeHandler.uninstall();
      target.detachAppender(seen);
    }

    assertThat(seen.list).hasSize(1);
    assertThat(seen.list.get(0).getFormattedMessage()).contains("failed for request req-42");
    assertThat(seen.list.get(0).getMDCPropertyMap()).containsEntry("request_id", "req-42");
    assertThat(MDC.get("request_id")).as("scoped to the call").isNull();
  }

  private static RequestOutcome outcome(String id) {
    return new RequestOutcome(id, "POST", "/v1/chat/completions", null, null, "team-a", null, null, List.of(), 200,
        null, null, 0, Usage.NONE, "bypass", false, Usage.NONE, false, null, 0, 0, 0, false, -1);
  }
}
