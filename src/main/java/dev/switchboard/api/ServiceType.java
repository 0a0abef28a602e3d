package dev.switchboard.api;

import java.util.Locale;

/**
 * The kinds of service a client shows a status for: text (chat, completions and the front ends on them), embeddings,
 * images and speech. Wire names are the lower-case names.
 */
public enum ServiceType {
  TEXT(Endpoint.CHAT),
  EMBEDDINGS(Endpoint.EMBEDDINGS),
  IMAGE(Endpoint.IMAGES),
  SPEECH(Endpoint.SPEECH);

  private final Endpoint endpoint;

  ServiceType(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** The endpoint a request of this type is sent to. */
  public Endpoint endpoint() {
    return endpoint;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ServiceType of(Endpoint endpoint) {
    return switch (endpoint) {
      case CHAT, COMPLETIONS -> TEXT;
      case EMBEDDINGS -> EMBEDDINGS;
      case IMAGES -> IMAGE;
      case SPEECH -> SPEECH;
    };
  }
}
