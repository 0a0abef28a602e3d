package dev.switchboard.api;

/** One upstream attempt's span, ended exactly once by the attempt. */
public interface AttemptTrace {
  AttemptTrace NONE = new AttemptTrace() {
    @Override
    public void answered(int status, Usage usage, String responseModel, long firstTokenNanos) {
    }

    @Override
    public void failed(int status, String errorClass, String kind, String label) {
    }
  };

  /**
   * The provider answered and the reply went to the client.
   *
   * @param firstTokenNanos time from the attempt's start to its first token, -1 when unknown
   */
  void answered(int status, Usage usage, String responseModel, long firstTokenNanos);

  /**
   * The attempt failed (also after a stream committed).
   *
   * @param status the upstream's status, 0 when none arrived
   * @param errorClass what the failure means for the request: retry_same, failover or final
   * @param kind the failure's kind (server_error, rate_limited, timeout...), the reason for the retry or failover
   * @param label the failure's short label as in x-switchboard-attempts ("503", "timeout", "connect")
   */
  void failed(int status, String errorClass, String kind, String label);
}
