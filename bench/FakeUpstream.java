/*
 * FakeUpstream: a fast fake OpenAI-compatible upstream used as the benchmark baseline.
 *
 * Single-file Java program for the Java 17 source launcher; needs only vertx-core 5 (+ netty, jackson-core)
 * on the classpath, e.g. the gateway's shaded jar:
 *
 *   java -cp target/switchboard.jar bench/FakeUpstream.java --port 9100
 *
 * Options:
 *   --host H             bind address (default 127.0.0.1)
 *   --port P             listen port (default 9100)
 *   --instances N        event-loop verticle instances (default: number of cores)
 *   --stream-chunks N    content chunks per SSE response (default 10)
 *   --delay-ms D         delay before each response starts (default 0 = none)
 *   --chunk-delay-ms D   delay between SSE chunks (default 0 = all chunks written at once)
 *
 * Endpoints:
 *   POST /v1/chat/completions   JSON chat.completion, or SSE when the body has "stream": true
 *                               (role chunk, N content chunks, finish chunk, usage chunk when
 *                               stream_options.include_usage is true, then "data: [DONE]")
 *   GET  /v1/models             models list
 *   GET  /health                200 "ok"
 *
 * All response bodies are pre-encoded once at start-up; request handling only parses the request JSON.
 */

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

public class FakeUpstream {

  static String host = "127.0.0.1";
  static int port = 9100;
  static int instances = Runtime.getRuntime().availableProcessors();
  static int streamChunks = 10;
  static long delayMs = 0;
  static long chunkDelayMs = 0;

  static final CharSequence CT_JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence CT_SSE = HttpHeaders.createOptimized("text/event-stream");
  static final CharSequence CT_TEXT = HttpHeaders.createOptimized("text/plain");
  static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  static final CharSequence REQUEST_ID_VALUE = HttpHeaders.createOptimized("req_fakeupstream");

  static final String MODEL = "bench-model";
  static final long CREATED = 1735689600L;

  static Buffer completionBody;
  static Buffer modelsBody;
  static Buffer okBody;
  static Buffer notFoundBody;
  static Buffer badRequestBody;
  static Buffer[] streamPrefix;   // role chunk + content chunks + finish chunk
  static Buffer usageChunk;
  static Buffer doneChunk;
  /** Anthropic Messages and OpenAI Responses replies, for the gateway's native pass-through (same words). */
  static Buffer messagesBody;
  static Buffer[] messagesStream;
  static Buffer responsesBody;
  static Buffer[] responsesStream;

  public static void main(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--host": host = req(a, v); i++; break;
        case "--port": port = Integer.parseInt(req(a, v)); i++; break;
        case "--instances": instances = Integer.parseInt(req(a, v)); i++; break;
        case "--stream-chunks": streamChunks = Integer.parseInt(req(a, v)); i++; break;
        case "--delay-ms": delayMs = Long.parseLong(req(a, v)); i++; break;
        case "--chunk-delay-ms": chunkDelayMs = Long.parseLong(req(a, v)); i++; break;
        case "-h": case "--help":
          System.out.println("usage: FakeUpstream [--host H] [--port P] [--instances N] [--stream-chunks N]"
              + " [--delay-ms D] [--chunk-delay-ms D]");
          return;
        default:
          System.err.println("unknown option: " + a);
          System.exit(2);
      }
    }
    if (instances < 1) instances = Runtime.getRuntime().availableProcessors();
    encodeBodies();

    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(Server::new, new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.printf(
            "FakeUpstream listening on http://%s:%d (instances=%d, stream-chunks=%d, delay-ms=%d, chunk-delay-ms=%d)%n",
            host, port, instances, streamChunks, delayMs, chunkDelayMs))
        .onFailure(err -> {
          System.err.println("FakeUpstream failed to start: " + err);
          vertx.close();
          System.exit(1);
        });
  }

  static String req(String opt, String v) {
    if (v == null) {
      System.err.println("missing value for " + opt);
      System.exit(2);
    }
    return v;
  }

  static Buffer event(String name, JsonObject data) {
    return buf("event: " + name + "\ndata: " + data.encode() + "\n\n");
  }

  static void encodeNativeBodies(String[] words) {
    String text = "Hello! This is a canned reply from the fake upstream used for benchmarking the Switchboard gateway.";
    JsonObject anthropicUsage = new JsonObject().put("input_tokens", 19).put("output_tokens", 28);
    messagesBody = buf(new JsonObject().put("id", "msg_fake0123456789").put("type", "message").put("role", "assistant")
        .put("model", MODEL).put("content", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "text")
            .put("text", text))).put("stop_reason", "end_turn").put("stop_sequence", null).put("usage", anthropicUsage)
        .encode());
    messagesStream = new Buffer[streamChunks + 5];
    messagesStream[0] = event("message_start", new JsonObject().put("type", "message_start").put("message",
        new JsonObject().put("id", "msg_fake0123456789").put("type", "message").put("role", "assistant")
            .put("model", MODEL).put("content", new io.vertx.core.json.JsonArray()).put("stop_reason", null)
            .put("usage", new JsonObject().put("input_tokens", 19).put("output_tokens", 1))));
    messagesStream[1] = event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 0)
        .put("content_block", new JsonObject().put("type", "text").put("text", "")));
    for (int i = 0; i < streamChunks; i++) {
      messagesStream[i + 2] = event("content_block_delta", new JsonObject().put("type", "content_block_delta")
          .put("index", 0).put("delta", new JsonObject().put("type", "text_delta").put("text", words[i % words.length])));
    }
    messagesStream[streamChunks + 2] = event("content_block_stop", new JsonObject().put("type", "content_block_stop")
        .put("index", 0));
    messagesStream[streamChunks + 3] = event("message_delta", new JsonObject().put("type", "message_delta")
        .put("delta", new JsonObject().put("stop_reason", "end_turn").put("stop_sequence", null))
        .put("usage", new JsonObject().put("output_tokens", streamChunks)));
    messagesStream[streamChunks + 4] = event("message_stop", new JsonObject().put("type", "message_stop"));

    JsonObject usage = new JsonObject().put("input_tokens", 19).put("output_tokens", 28).put("total_tokens", 47);
    JsonObject message = new JsonObject().put("id", "msg_fake").put("type", "message").put("status", "completed")
        .put("role", "assistant").put("content", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("type", "output_text").put("text", text).put("annotations", new io.vertx.core.json.JsonArray())));
    JsonObject response = new JsonObject().put("id", "resp_fake0123456789").put("object", "response")
        .put("created_at", CREATED).put("status", "completed").put("model", MODEL)
        .put("output", new io.vertx.core.json.JsonArray().add(message)).put("usage", usage);
    responsesBody = buf(response.encode());
    JsonObject open = response.copy().put("status", "in_progress").put("output", new io.vertx.core.json.JsonArray())
        .putNull("usage");
    responsesStream = new Buffer[streamChunks + 4];
    int seq = 0;
    responsesStream[0] = event("response.created", new JsonObject().put("type", "response.created")
        .put("sequence_number", seq++).put("response", open));
    responsesStream[1] = event("response.output_item.added", new JsonObject().put("type", "response.output_item.added")
        .put("sequence_number", seq++).put("output_index", 0).put("item", message.copy().put("status", "in_progress")
            .put("content", new io.vertx.core.json.JsonArray())));
    for (int i = 0; i < streamChunks; i++) {
      responsesStream[i + 2] = event("response.output_text.delta", new JsonObject()
          .put("type", "response.output_text.delta").put("sequence_number", seq++).put("item_id", "msg_fake")
          .put("output_index", 0).put("content_index", 0).put("delta", words[i % words.length]));
    }
    responsesStream[streamChunks + 2] = event("response.output_item.done", new JsonObject()
        .put("type", "response.output_item.done").put("sequence_number", seq++).put("output_index", 0)
        .put("item", message));
    responsesStream[streamChunks + 3] = event("response.completed", new JsonObject().put("type", "response.completed")
        .put("sequence_number", seq).put("response", response));
  }

  static Buffer buf(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
  }

  static Buffer sse(JsonObject o) {
    return buf("data: " + o.encode() + "\n\n");
  }

  static JsonObject chunk(JsonObject delta, String finishReason) {
    return new JsonObject()
        .put("id", "chatcmpl-fake0123456789abcdef")
        .put("object", "chat.completion.chunk")
        .put("created", CREATED)
        .put("model", MODEL)
        .put("system_fingerprint", "fp_fakeupstream")
        .put("choices", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("delta", delta)
            .put("logprobs", null)
            .put("finish_reason", finishReason)));
  }

  static void encodeBodies() {
    JsonObject completion = new JsonObject()
        .put("id", "chatcmpl-fake0123456789abcdef")
        .put("object", "chat.completion")
        .put("created", CREATED)
        .put("model", MODEL)
        .put("system_fingerprint", "fp_fakeupstream")
        .put("choices", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("message", new JsonObject()
                .put("role", "assistant")
                .put("content", "Hello! This is a canned reply from the fake upstream used for benchmarking the "
                    + "Switchboard gateway. It has a realistic size and shape.")
                .put("refusal", null))
            .put("logprobs", null)
            .put("finish_reason", "stop")))
        .put("usage", new JsonObject()
            .put("prompt_tokens", 19)
            .put("completion_tokens", 28)
            .put("total_tokens", 47)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0))
            .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0)));
    completionBody = buf(completion.encode());

    JsonObject models = new JsonObject()
        .put("object", "list")
        .put("data", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("id", MODEL).put("object", "model").put("created", CREATED).put("owned_by", "fake"))
            .add(new JsonObject().put("id", "bench-model-2").put("object", "model").put("created", CREATED).put("owned_by", "fake")));
    modelsBody = buf(models.encode());
    okBody = buf("ok");
    notFoundBody = buf("{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\",\"code\":\"not_found\"}}");
    badRequestBody = buf("{\"error\":{\"message\":\"invalid JSON body\",\"type\":\"invalid_request_error\",\"code\":null}}");

    String[] words = {"Hello", "!", " This", " is", " a", " streamed", " reply", " from", " the", " fake", " upstream", "."};
    streamPrefix = new Buffer[streamChunks + 2];
    streamPrefix[0] = sse(chunk(new JsonObject().put("role", "assistant").put("content", "").put("refusal", null), null));
    for (int i = 0; i < streamChunks; i++) {
      streamPrefix[i + 1] = sse(chunk(new JsonObject().put("content", words[i % words.length]), null));
    }
    streamPrefix[streamChunks + 1] = sse(chunk(new JsonObject(), "stop"));
    encodeNativeBodies(words);
    JsonObject usage = new JsonObject()
        .put("id", "chatcmpl-fake0123456789abcdef")
        .put("object", "chat.completion.chunk")
        .put("created", CREATED)
        .put("model", MODEL)
        .put("system_fingerprint", "fp_fakeupstream")
        .put("choices", new io.vertx.core.json.JsonArray())
        .put("usage", new JsonObject()
            .put("prompt_tokens", 19)
            .put("completion_tokens", streamChunks)
            .put("total_tokens", 19 + streamChunks));
    usageChunk = sse(usage);
    doneChunk = buf("data: [DONE]\n\n");
  }

  public static class Server extends VerticleBase {
    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions()
              .setHost(host)
              .setPort(port)
              .setTcpNoDelay(true)
              .setCompressionSupported(false))
          .requestHandler(this::handle)
          .listen();
    }

    void handle(HttpServerRequest req) {
      String path = req.path();
      HttpMethod m = req.method();
      if (m == HttpMethod.POST && "/v1/chat/completions".equals(path)) {
        req.body().onComplete(ar -> {
          if (ar.failed()) {
            req.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(badRequestBody);
            return;
          }
          JsonObject body;
          try {
            body = ar.result().toJsonObject();
          } catch (RuntimeException e) {
            body = null;
          }
          if (body == null) {
            req.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(badRequestBody);
            return;
          }
          boolean stream = Boolean.TRUE.equals(body.getValue("stream"));
          boolean usage = false;
          if (stream) {
            Object so = body.getValue("stream_options");
            usage = so instanceof JsonObject && Boolean.TRUE.equals(((JsonObject) so).getValue("include_usage"));
          }
          final boolean s = stream, u = usage;
          if (delayMs > 0) {
            vertx.setTimer(delayMs, t -> respondChat(req, s, u));
          } else {
            respondChat(req, s, u);
          }
        });
      } else if (m == HttpMethod.POST && ("/v1/messages".equals(path) || "/v1/responses".equals(path))) {
        boolean messages = "/v1/messages".equals(path);
        req.body().onComplete(ar -> {
          boolean stream = ar.succeeded() && ar.result().toString().contains("\"stream\":true");
          HttpServerResponse resp = req.response();
          if (!stream) {
            resp.putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(messages ? messagesBody : responsesBody);
            return;
          }
          resp.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, CT_SSE).putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
          Buffer[] events = messages ? messagesStream : responsesStream;
          for (int i = 0; i < events.length - 1; i++) resp.write(events[i]);
          resp.end(events[events.length - 1]);
        });
      } else if (m == HttpMethod.POST && "/v1/traces".equals(path)) {
        // An OTLP/HTTP sink for runs with tracing on (TRACING=1.0 bench/run.sh): spans are read and dropped; an
        // empty ExportTraceServiceResponse is zero bytes.
        req.body().onComplete(ar -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/x-protobuf").end());
      } else if (m == HttpMethod.GET && "/v1/models".equals(path)) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(modelsBody);
      } else if (m == HttpMethod.GET && "/health".equals(path)) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, CT_TEXT).end(okBody);
      } else {
        req.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(notFoundBody);
      }
    }

    void respondChat(HttpServerRequest req, boolean stream, boolean usage) {
      HttpServerResponse resp = req.response();
      resp.putHeader(REQUEST_ID, REQUEST_ID_VALUE);
      if (!stream) {
        resp.putHeader(HttpHeaders.CONTENT_TYPE, CT_JSON).end(completionBody);
        return;
      }
      resp.setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, CT_SSE)
          .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
      if (chunkDelayMs <= 0) {
        // Each SSE event is its own HTTP chunk (like a real upstream), written in one go.
        for (Buffer b : streamPrefix) resp.write(b);
        if (usage) resp.write(usageChunk);
        resp.end(doneChunk);
      } else {
        writeDelayed(resp, 0, usage);
      }
    }

    void writeDelayed(HttpServerResponse resp, int i, boolean usage) {
      if (resp.closed()) return;
      if (i < streamPrefix.length) {
        resp.write(streamPrefix[i]);
        vertx.setTimer(chunkDelayMs, t -> writeDelayed(resp, i + 1, usage));
      } else {
        if (usage) resp.write(usageChunk);
        resp.end(doneChunk);
      }
    }
  }
}
