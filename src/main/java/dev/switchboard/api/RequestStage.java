package dev.switchboard.api;

/**
 * One step of the request path (vertx-http-proxy's {@code ProxyInterceptor} is the model): it either answers the
 * exchange through its writer ({@link Exchange#reply()}) or hands it on with {@link Exchange#next()}, possibly later
 * from a future's completion, but always on the request's event loop. Stages are shared by every request of a
 * gateway instance and keep no per-request state of their own: that lives on the {@link Exchange}.
 */
public interface RequestStage {

  void handle(Exchange exchange);
}
