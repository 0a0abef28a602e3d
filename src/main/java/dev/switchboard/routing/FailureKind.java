package dev.switchboard.routing;

/**
 * What went wrong in one attempt, and what that means for the rest of the request and for the provider.
 *
 * @param errorClass what the request does next
 * @param providerFault whether it counts against the provider (error rate, circuit breaker)
 * @param answered whether the provider answered at all (a client error answered promptly shows a working provider)
 */
public enum FailureKind {
  /** TCP connect refused, unreachable host, TLS failure: nothing to wait for, try elsewhere. */
  CONNECT(ErrorClass.FAILOVER, true, false),
  /** A connect, first-byte, idle or total timeout: the time is gone, try elsewhere. */
  TIMEOUT(ErrorClass.FAILOVER, true, false),
  /** 429 without a hint, or asking for longer than the circuit's open period: worth a retry if the wait is short. */
  RATE_LIMITED(ErrorClass.RETRY_SAME, true, true),
  /**
   * 429 whose Retry-After is no longer than the circuit's open period: the provider is up and asked for a pause, a
   * cooldown rather than an outage, so it does not count toward opening the circuit (which would keep the provider out
   * for longer than it asked).
   */
  ASKED_TO_WAIT(ErrorClass.RETRY_SAME, false, true),
  /** 5xx, 408, 409. */
  SERVER_ERROR(ErrorClass.RETRY_SAME, true, true),
  /** 529 or an overloaded_error. */
  OVERLOADED(ErrorClass.RETRY_SAME, true, true),
  /** 401/403: Switchboard's key for this provider is refused. Not the client's fault. */
  AUTH(ErrorClass.FAILOVER, true, true),
  /** 402, or 429 insufficient_quota: no credit left. */
  QUOTA(ErrorClass.FAILOVER, true, true),
  /** 404: this provider does not know the model (or the path); the next target may. */
  NOT_FOUND(ErrorClass.FAILOVER, false, true),
  /** The prompt is longer than this model's context; a target with a larger one may serve it. */
  CONTEXT_LENGTH(ErrorClass.FINAL, false, true),
  /**
   * The provider's content policy refused the request ({@code content_filter}, {@code content_policy_violation}):
   * final unless {@code routing.content_policy_fallback} lets another provider, with its own policy, try.
   */
  CONTENT_POLICY(ErrorClass.FINAL, false, true),
  /** The provider refused the client's own request (400, 422): every provider would. */
  INVALID_REQUEST(ErrorClass.FINAL, false, true),
  /** A 2xx whose body is not what the API promises, or a 3xx (misconfigured base_url). */
  BROKEN_REPLY(ErrorClass.RETRY_SAME, true, true),
  /** The stream broke off or reported an error before it was complete. */
  STREAM_BROKEN(ErrorClass.RETRY_SAME, true, true),
  /** Every pooled connection to the provider is busy: a local limit, not the provider's fault. */
  POOL_BUSY(ErrorClass.FAILOVER, false, false),
  /**
   * The gateway's memory for whole replies is spent ({@code server.max_buffered_responses}, or the heap itself):
   * a local limit, not the provider's fault; another target may fit once others' replies have gone out.
   */
  BUFFERS_FULL(ErrorClass.FAILOVER, false, true),
  /** The reply exceeds the gateway's size limit: any provider's would. */
  TOO_LARGE(ErrorClass.FINAL, false, true);

  private final ErrorClass errorClass;
  private final boolean providerFault;
  private final boolean answered;

  FailureKind(ErrorClass errorClass, boolean providerFault, boolean answered) {
    this.errorClass = errorClass;
    this.providerFault = providerFault;
    this.answered = answered;
  }

  public ErrorClass errorClass() {
    return errorClass;
  }

  public boolean providerFault() {
    return providerFault;
  }

  public boolean answered() {
    return answered;
  }

  /** Whether the provider refused for its rate limit: when every attempt ends so, the client gets a 429. */
  public boolean rateLimited() {
    return this == RATE_LIMITED || this == ASKED_TO_WAIT;
  }
}
