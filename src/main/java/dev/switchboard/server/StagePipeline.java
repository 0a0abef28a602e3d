package dev.switchboard.server;

import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;

import java.util.List;

/**
 * The request path as the launcher assembled it, in two parts: the head stages run as soon as the request's head
 * has arrived (authentication: a refused client must not wait for its upload), the body stages once the body is read
 * (validation and route, key policy, budget, admission, cache, routing). Shared by every request of one gateway
 * instance; immutable.
 */
public final class StagePipeline {
  private final RequestStage[] head;
  private final RequestStage[] body;

  public StagePipeline(List<RequestStage> head, List<RequestStage> body) {
    this.head = head.toArray(new RequestStage[0]);
    this.body = body.toArray(new RequestStage[0]);
  }

  /** The same path with {@code front} first among the body stages: a front end that translates its API into chat. */
  public StagePipeline withFront(RequestStage front) {
    RequestStage[] withFront = new RequestStage[body.length + 1];
    withFront[0] = front;
    System.arraycopy(body, 0, withFront, 1, body.length);
    return new StagePipeline(head, withFront);
  }

  /** The same head stages, then {@code only}, which answers by itself (nothing is routed). */
  public StagePipeline answeredBy(RequestStage only) {
    return new StagePipeline(head, new RequestStage[] {only});
  }

  private StagePipeline(RequestStage[] head, RequestStage[] body) {
    this.head = head;
    this.body = body;
  }

  /** Runs the head stages; {@code thenReadBody} runs if they all pass the exchange on. */
  public void head(Exchange exchange, Runnable thenReadBody) {
    exchange.run(head, thenReadBody);
  }

  /** Runs the body stages; the last one must answer. */
  public void body(Exchange exchange) {
    exchange.run(body, null);
  }
}
