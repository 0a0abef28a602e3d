package dev.switchboard.server.messages;

import java.util.List;

/**
 * Chat's {@code finish_reason} as Anthropic's {@code stop_reason} and {@code stop_sequence}. Chat does not say which
 * stop string ended a reply; OpenAI-compatible servers that do (vLLM's {@code choice.stop_reason}) make it a
 * {@code stop_sequence} when it is one of the request's {@code stop_sequences}; otherwise a stop is {@code end_turn}.
 *
 * @param sequence the matched stop sequence, or null
 */
record StopReason(String reason, String sequence) {

  static StopReason of(Object finishReason, Object matchedStop, List<String> stopSequences) {
    String finish = finishReason instanceof String s ? s : "stop";
    return switch (finish) {
      case "length" -> new StopReason("max_tokens", null);
      case "tool_calls", "function_call" -> new StopReason("tool_use", null);
      case "content_filter" -> new StopReason("refusal", null);
      default -> matchedStop instanceof String m && stopSequences.contains(m)
          ? new StopReason("stop_sequence", m) : new StopReason("end_turn", null);
    };
  }
}
