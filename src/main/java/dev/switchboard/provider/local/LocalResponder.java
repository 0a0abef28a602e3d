package dev.switchboard.provider.local;

import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.OpenAiShapes;
import dev.switchboard.api.Usage;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The built-in {@code local} provider: answers every endpoint in OpenAI's exact shapes without any upstream, so
 * clients keep working (and a first {@code curl} succeeds) when no real provider can serve. Every answer is
 * marked degraded: the {@code x-switchboard-degraded: true} header, {@code system_fingerprint} "switchboard-local",
 * and text that says plainly it is not a model's answer.
 */
public final class LocalResponder {
  public static final String FINGERPRINT = "switchboard-local";
  private static final int DEFAULT_DIMENSIONS = 1536;
  /** Replies up to this size are built right on the event loop; larger ones on a worker thread. */
  static final long INLINE_BYTES = 256 * 1024;

  private final long maxReplyBytes;
  private final BufferBudget buffers;

  /**
   * @param maxReplyBytes the largest reply this provider builds ({@code server.max_response_size}, the same bound
   *     an upstream's reply has)
   * @param buffers the process-wide budget its replies are held against while they are built and sent
   */
  public LocalResponder(long maxReplyBytes, BufferBudget buffers) {
    // A reply larger than the whole budget could never be reserved: refuse it as too large, not as busy.
    this.maxReplyBytes = Math.min(maxReplyBytes, buffers.capacityBytes());
    this.buffers = buffers;
  }

  public void respond(GatewayRequest request, String model, ClientReply reply) {
    reply.servedBy("local", model, true);
    reply.attempt("local", "200");
    switch (request.endpoint()) {
      case CHAT -> chat(request, model, reply);
      case COMPLETIONS -> completion(request, model, reply);
      case EMBEDDINGS -> embeddings(request, model, reply);
      case IMAGES -> images(request, reply);
      case SPEECH -> speech(reply);
    }
  }

  static String notice(String model) {
    return "[Switchboard degraded mode] No upstream provider can serve model '" + model + "' right now, so "
        + "Switchboard's built-in local fallback answered. This is a placeholder, not a model's answer. Configure a "
        + "provider (for example set OPENAI_API_KEY) to get real completions.";
  }

  private void chat(GatewayRequest request, String model, ClientReply reply) {
    String id = "chatcmpl-local-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    long created = OpenAiShapes.now();
    String text = notice(model);
    long prompt = estimateTokens(request.body().getValue("messages"));
    long completion = estimateTokens(text);
    Usage usage = new Usage(prompt, completion, prompt + completion, 0);
    reply.usage(usage);
    if (request.stream()) {
      reply.startStream();
      reply.writeEvent(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", ""), null));
      for (String piece : pieces(text)) {
        reply.writeEvent(chunk(id, created, model, new JsonObject().put("content", piece), null));
      }
      reply.writeEvent(chunk(id, created, model, new JsonObject(), "stop"));
      if (request.clientWantsUsage()) {
        reply.writeEvent(OpenAiShapes.usageChunk(id, created, model, usage)
            .put("system_fingerprint", FINGERPRINT).toBuffer());
      }
      reply.endStream(null);
      return;
    }
    JsonObject body = OpenAiShapes.completion(id, created, model,
        new JsonArray().add(OpenAiShapes.choice(0, text, null, "stop")), usage).put("system_fingerprint", FINGERPRINT);
    reply.sendJson(200, "application/json", body.toBuffer());
  }

  private static Buffer chunk(String id, long created, String model, JsonObject delta, String finish) {
    return OpenAiShapes.chunk(id, created, model, 0, delta, finish).put("system_fingerprint", FINGERPRINT).toBuffer();
  }

  private void completion(GatewayRequest request, String model, ClientReply reply) {
    String id = "cmpl-local-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    long created = OpenAiShapes.now();
    String text = " " + notice(model);
    long prompt = estimateTokens(request.body().getValue("prompt"));
    long completion = estimateTokens(text);
    Usage usage = new Usage(prompt, completion, prompt + completion, 0);
    reply.usage(usage);
    if (request.stream()) {
      reply.startStream();
      for (String piece : pieces(text)) {
        reply.writeEvent(completionBody(id, created, model, piece, null).toBuffer());
      }
      reply.writeEvent(completionBody(id, created, model, "", "stop").toBuffer());
      if (request.clientWantsUsage()) {
        reply.writeEvent(new JsonObject().put("id", id).put("object", "text_completion").put("created", created)
            .put("model", model).put("choices", new JsonArray()).put("usage", OpenAiShapes.usage(usage)).toBuffer());
      }
      reply.endStream(null);
      return;
    }
    reply.sendJson(200, "application/json",
        completionBody(id, created, model, text, "stop").put("usage", OpenAiShapes.usage(usage)).toBuffer());
  }

  private static JsonObject completionBody(String id, long created, String model, String text, String finish) {
    return new JsonObject()
        .put("id", id)
        .put("object", "text_completion")
        .put("created", created)
        .put("model", model)
        .put("system_fingerprint", FINGERPRINT)
        .put("choices", new JsonArray().add(new JsonObject().put("text", text).put("index", 0)
            .put("logprobs", null).put("finish_reason", finish)));
  }

  /**
   * Deterministic unit vectors derived from the input text: stable and well-formed, but semantically empty. The
   * reply's size is bounded before anything is built (inputs × dimensions can ask for hundreds of megabytes from a
   * 20 KB request); beyond {@code server.max_response_size} the request is refused, and a large one is built on a
   * worker thread, straight into its output buffer, with its bytes held against the buffer budget.
   */
  private void embeddings(GatewayRequest request, String model, ClientReply reply) {
    Object input = request.body().getValue("input");
    List<String> inputs = new ArrayList<>();
    if (input instanceof JsonArray arr && !arr.isEmpty() && !(arr.getValue(0) instanceof Number)) {
      arr.forEach(v -> inputs.add(String.valueOf(v)));
    } else {
      inputs.add(String.valueOf(input));
    }
    boolean dimsGiven = request.body().getValue("dimensions") instanceof Number;
    int dims = dimsGiven ? request.body().getInteger("dimensions") : DEFAULT_DIMENSIONS;
    boolean base64 = "base64".equals(request.body().getString("encoding_format"));
    EmbeddingsReply plan = new EmbeddingsReply(model, inputs, dims, base64);
    long bound = plan.maxBytes();
    if (bound > maxReplyBytes) {
      reply.sendError(ApiError.invalid("The built-in local provider would answer " + inputs.size() + " input(s) × "
          + dims + " dimensions with a reply of up to " + megabytes(bound) + ", more than the gateway's limit of "
          + megabytes(maxReplyBytes) + " (server.max_response_size). Send fewer inputs or dimensions"
          + (base64 ? "" : ", or ask for encoding_format: base64") + ".", dimsGiven ? "dimensions" : "input",
          "local_reply_too_large"), -1);
      return;
    }
    if (!buffers.tryReserve(bound)) {
      reply.sendError(new ApiError(503, ApiError.SERVER, "Switchboard is holding too many large replies to build "
          + "this one now (server.max_buffered_responses). Retry shortly.", null, "gateway_overloaded"), 1_000);
      return;
    }
    Usage usage = new Usage(plan.promptTokens(), 0, plan.promptTokens(), 0);
    reply.usage(usage);
    Context context = Vertx.currentContext();
    if (bound <= INLINE_BYTES || context == null) {
      send(reply, plan.build(), bound);
      return;
    }
    context.executeBlocking(plan::build, false).onComplete(ar -> {
      if (ar.succeeded()) {
        send(reply, ar.result(), bound);
        return;
      }
      buffers.release(bound);
      reply.sendError(new ApiError(503, ApiError.SERVER, "Switchboard could not build the local embeddings reply ("
          + (ar.cause() instanceof OutOfMemoryError ? "out of memory" : ar.cause().getClass().getSimpleName())
          + "). Retry shortly.", null, "gateway_overloaded"), 1_000);
    });
  }

  /** Sends a built reply and gives its reservation back once the bytes have left. */
  private void send(ClientReply reply, Buffer body, long reserved) {
    try {
      reply.sendJson(200, "application/json", body).onComplete(v -> buffers.release(reserved));
    } catch (RuntimeException | Error e) {
      buffers.release(reserved);
      throw e;
    }
  }

  private static String megabytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }

  static float[] vector(String text, int dims) {
    SplittableRandom random = new SplittableRandom(text.hashCode() * 0x9E3779B97F4A7C15L);
    float[] v = new float[dims];
    double norm = 0;
    for (int i = 0; i < dims; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
      norm += v[i] * v[i];
    }
    float scale = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dims; i++) {
      v[i] *= scale;
    }
    return v;
  }

  private void images(GatewayRequest request, ClientReply reply) {
    int n = request.body().getValue("n") instanceof Number num ? Math.max(1, Math.min(10, num.intValue())) : 1;
    boolean b64 = "b64_json".equals(request.body().getString("response_format"));
    String png = Base64.getEncoder().encodeToString(Placeholders.png());
    JsonArray data = new JsonArray();
    for (int i = 0; i < n; i++) {
      JsonObject image = new JsonObject().put("revised_prompt", notice(String.valueOf(request.model())));
      if (b64) {
        image.put("b64_json", png);
      } else {
        image.put("url", "data:image/png;base64," + png);
      }
      data.add(image);
    }
    JsonObject body = new JsonObject().put("created", OpenAiShapes.now()).put("data", data);
    reply.sendJson(200, "application/json", body.toBuffer());
  }

  private void speech(ClientReply reply) {
    reply.startRaw(200, "audio/wav");
    reply.writeRaw(Buffer.buffer(Placeholders.silentWav()));
    reply.endRaw();
  }

  /** About four characters a token: good enough for a placeholder's usage numbers. */
  static long estimateTokens(Object value) {
    if (value == null) {
      return 0;
    }
    String s = value instanceof String str ? str : value.toString();
    return Math.max(1, s.getBytes(StandardCharsets.UTF_8).length / 4);
  }

  private static List<String> pieces(String text) {
    List<String> out = new ArrayList<>();
    String[] words = text.split("(?<= )");
    StringBuilder piece = new StringBuilder();
    for (int i = 0; i < words.length; i++) {
      piece.append(words[i]);
      if ((i + 1) % 4 == 0) {
        out.add(piece.toString());
        piece.setLength(0);
      }
    }
    if (piece.length() > 0) {
      out.add(piece.toString());
    }
    return out;
  }
}
