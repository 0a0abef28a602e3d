/**
 * The OpenAI Responses API front end's translation core: pure functions and one per-request state machine between
 * the Responses wire format and the gateway's internal chat-completions model. No HTTP here; the front end wires it.
 *
 * <ul>
 *   <li>{@link dev.switchboard.server.responses.ResponsesRequest#parse} — body in, chat body out
 *       ({@code chatBody()}), or a 400 {@code ApiException} naming the field; {@code withHistory(priorInput,
 *       priorOutput)} for {@code previous_response_id}.</li>
 *   <li>{@link dev.switchboard.server.responses.ResponsesReply#toResponse} — chat reply JSON -> response object.</li>
 *   <li>{@link dev.switchboard.server.responses.ResponsesStream} — chat chunks -> Responses SSE events
 *       ({@link dev.switchboard.server.responses.ResponsesEvent#toSse()} frames one); {@code finish} at
 *       {@code [DONE]}, {@code fail} on a break.</li>
 *   <li>{@link dev.switchboard.server.responses.StoredResponse} and
 *       {@link dev.switchboard.server.responses.ResponseStore} ({@link
 *       dev.switchboard.server.responses.MemoryResponseStore}) — what {@code GET /v1/responses/{id}} and
 *       continuations read.</li>
 *   <li>Errors before a reply starts are chat's ({@code ApiError}, OpenAI's shape): see
 *       {@link dev.switchboard.server.responses.ResponsesErrors}.</li>
 * </ul>
 */
package dev.switchboard.server.responses;
