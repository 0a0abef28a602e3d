package dev.switchboard.server;

import dev.switchboard.api.RequestStage;
import dev.switchboard.server.responses.StoredResponses;

/**
 * The front ends beside Chat Completions, as the launcher assembled them: each is a stage that runs first among the
 * body stages of its route and turns its API into the chat request the rest of the path speaks (and the reply back).
 *
 * @param responses {@code POST /v1/responses} (OpenAI Responses)
 * @param messages {@code POST /v1/messages} (Anthropic Messages)
 * @param countTokens {@code POST /v1/messages/count_tokens}: answers by itself
 * @param storedResponses {@code GET} and {@code DELETE /v1/responses/{id}}
 */
public record FrontEnds(RequestStage responses, RequestStage messages, RequestStage countTokens,
                        StoredResponses storedResponses) {
}
