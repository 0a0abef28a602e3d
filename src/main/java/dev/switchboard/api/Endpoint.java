package dev.switchboard.api;

/** The OpenAI endpoints Switchboard proxies, with the path each has below a provider's base URL. */
public enum Endpoint {
  CHAT("/v1/chat/completions", "/chat/completions", true, "chat"),
  COMPLETIONS("/v1/completions", "/completions", true, "completions"),
  EMBEDDINGS("/v1/embeddings", "/embeddings", false, "embeddings"),
  IMAGES("/v1/images/generations", "/images/generations", false, "images"),
  SPEECH("/v1/audio/speech", "/audio/speech", false, "speech");

  private final String path;
  private final String upstreamPath;
  private final boolean streamable;
  private final String label;

  Endpoint(String path, String upstreamPath, boolean streamable, String label) {
    this.path = path;
    this.upstreamPath = upstreamPath;
    this.streamable = streamable;
    this.label = label;
  }

  public String path() {
    return path;
  }

  public String upstreamPath() {
    return upstreamPath;
  }

  /** Whether {@code stream: true} means an SSE reply of JSON chunks. */
  public boolean streamable() {
    return streamable;
  }

  /** Short name for metrics and logs. */
  public String label() {
    return label;
  }

  /** Whether the reply body is opaque bytes (audio) rather than JSON. */
  public boolean binaryReply() {
    return this == SPEECH;
  }
}
