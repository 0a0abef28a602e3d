package dev.switchboard.provider;

import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;

/** A complete upstream reply turned into what the client receives, with its token usage. */
public record TranslatedReply(Buffer body, String contentType, Usage usage) {
}
