package dev.switchboard.provider;

import dev.switchboard.api.Usage;

/**
 * What a stream translator has learned of its stream so far (ended, committed, failed, usage), kept once for the
 * translated streams ({@link ChunkStream}) and the relayed ones ({@link NativeStream}), which differ only in what
 * they write. One instance per stream, on the request's event loop.
 */
public abstract class StreamProgress implements StreamTranslator {
  private boolean done;
  private boolean content;
  private UpstreamError error;
  private Usage usage = Usage.NONE;

  /** True once the stream ended or failed: later events are dropped. */
  protected final boolean over() {
    return done || error != null;
  }

  /** The stream has sent content: it commits here (held preamble events go first). */
  protected final void content() {
    content = true;
  }

  /** The stream ended normally: nothing the upstream sends after counts. */
  protected final void finished() {
    done = true;
  }

  protected final void fail(UpstreamError error) {
    this.error = error;
  }

  /** The reply's usage so far; providers that report cumulative counts simply report again. */
  protected final void usage(Usage latest) {
    usage = latest;
  }

  protected final Usage currentUsage() {
    return usage;
  }

  @Override
  public final boolean done() {
    return done;
  }

  @Override
  public final UpstreamError error() {
    return error;
  }

  @Override
  public final Usage usage() {
    return usage;
  }

  @Override
  public final boolean emittedContent() {
    return content;
  }
}
