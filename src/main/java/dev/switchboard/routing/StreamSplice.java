package dev.switchboard.routing;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.Usage;
import dev.switchboard.config.ProviderType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * One chat stream's text as the client received it, so that a cut after the commit point can be continued elsewhere
 * (mid-stream resume): it watches every chunk of the attempt that committed, builds the continuation request (the
 * original plus the delivered text as a partial assistant turn), and splices the continuation's chunks into the same
 * client stream — the first chunk's {@code id}, {@code model} and {@code created}, no second role preamble, the
 * overlap with the delivered text dropped, usage of every attempt added up. Parses each chunk, which is the cost of
 * turning resume on. Confined to the request's event loop.
 */
final class StreamSplice {
  /** Delivered text kept for a continuation; a longer answer is no longer resumed (bounded memory). */
  static final int MAX_TEXT_CHARS = 256 * 1024;
  /** Continuation text held to find its overlap with the delivered text: the longest overlap looked for. */
  static final int OVERLAP_WINDOW = 128;
  /** A non-blank overlap shorter than this is taken for a coincidence, not a repetition. */
  static final int MIN_OVERLAP = 8;
  /** What an OpenAI-compatible target is told after the partial assistant turn. */
  static final String CONTINUE = "Your previous message was cut off. Continue it exactly where it stops, starting with "
      + "the next character: do not repeat any of it, do not add a preamble, and keep the same language and format.";

  private final int maxResumes;
  private final StringBuilder delivered = new StringBuilder();
  private String id;
  private String model;
  private Object created;
  private boolean toolCalls;
  private boolean finished;
  private boolean tooLong;
  private int resumes;
  /** Whether chunks now come from a continuation, which are rewritten rather than passed on. */
  private boolean continuing;
  /** Whether the continuation's start is still being held to find its overlap. */
  private boolean aligning;
  private StringBuilder pending;
  /** Tokens of the attempts before the current one: reported, or estimated for a cut one. */
  private Usage before = Usage.NONE;
  /** What the current attempt's stream reported so far. */
  private Usage current = Usage.NONE;

  StreamSplice(int maxResumes) {
    this.maxResumes = maxResumes;
  }

  /** Whether a cut now may be resumed: text only, not finished, within the bounds. */
  boolean resumable() {
    return resumes < maxResumes && !toolCalls && !finished && !tooLong && delivered.length() > 0 && id != null;
  }

  int resumes() {
    return resumes;
  }

  /**
   * Starts a continuation after a cut of an attempt that reported {@code reported} (empty when its usage chunk never
   * came: then its prompt estimate plus the text it delivered count), and returns its request for a {@code type}
   * target.
   */
  GatewayRequest continuationOf(GatewayRequest request, ProviderType type, Usage reported, int charsThisAttempt) {
    cut(request, reported, charsThisAttempt);
    return continuation(request, type);
  }

  private void cut(GatewayRequest request, Usage reported, int charsThisAttempt) {
    Usage spent = !current.isEmpty() ? current : estimate(request, charsThisAttempt);
    before = add(before, spent);
    current = Usage.NONE;
    resumes++;
    continuing = true;
    aligning = true;
    pending = new StringBuilder();
  }

  int deliveredChars() {
    return delivered.length();
  }

  /** Tokens spent on a cut or cancelled attempt, estimated from what it was sent and what it sent: chars / 4. */
  static Usage estimate(GatewayRequest request, int contentChars) {
    long prompt = Math.max(0, request.tokenEstimate());
    long completion = (contentChars + 3) / 4;
    return new Usage(prompt, completion, prompt + completion, 0);
  }

  /** The usage to book: the earlier attempts' plus the current one's. */
  Usage total(Usage current) {
    this.current = current == null ? Usage.NONE : current;
    return before.isEmpty() ? current : add(before, this.current);
  }

  private static Usage add(Usage a, Usage b) {
    return new Usage(a.promptTokens() + b.promptTokens(), a.completionTokens() + b.completionTokens(),
        a.totalTokens() + b.totalTokens(), a.cachedTokens() + b.cachedTokens());
  }

  /**
   * The original request with the delivered text as a partial assistant turn: Anthropic continues an assistant turn
   * (prefill, which it refuses with trailing whitespace, so that is left for the overlap to take back); an
   * OpenAI-compatible target gets the turn and an instruction to go on from it.
   */
  GatewayRequest continuation(GatewayRequest request, ProviderType type) {
    JsonObject body = request.body().copy();
    body.remove("n");
    JsonArray messages = body.getJsonArray("messages", new JsonArray()).copy();
    if (type == ProviderType.ANTHROPIC) {
      messages.add(new JsonObject().put("role", "assistant").put("content", delivered.toString().stripTrailing()));
    } else {
      messages.add(new JsonObject().put("role", "assistant").put("content", delivered.toString()));
      messages.add(new JsonObject().put("role", "user").put("content", CONTINUE));
    }
    body.put("messages", messages);
    return request.withRequirements(request.requirements(), body, body.toBuffer());
  }

  /**
   * One chunk on its way to the client: the committed attempt's pass as they are (and are remembered); a
   * continuation's are rewritten into the client's stream, or held while its start is aligned.
   */
  void pass(Buffer payload, Consumer<Buffer> out) {
    JsonObject chunk;
    try {
      chunk = new JsonObject(payload);
    } catch (RuntimeException e) {
      out.accept(payload);
      return;
    }
    if (!continuing) {
      remember(chunk);
      out.accept(payload);
      return;
    }
    chunk.put("id", id).put("model", model);
    if (created != null) {
      chunk.put("created", created);
    }
    if (chunk.getValue("usage") instanceof JsonObject u) {
      chunk.put("usage", usageJson(u));
    }
    JsonObject choice = firstChoice(chunk);
    JsonObject delta = choice == null ? null : choice.getJsonObject("delta");
    if (delta != null) {
      delta.remove("role");
    }
    String content = delta == null || !(delta.getValue("content") instanceof String s) ? null : s;
    boolean more = choice != null && (choice.getValue("finish_reason") != null || delta != null
        && (delta.containsKey("tool_calls") || delta.containsKey("function_call")));
    boolean held = false;
    if (aligning && content != null) {
      held = true;
      pending.append(content);
      delta.remove("content");
      if (pending.length() >= OVERLAP_WINDOW) {
        flush(out);
      }
    } else if (aligning && (more || chunk.getValue("usage") != null)) {
      flush(out);
    }
    if (content != null && !held) {
      append(content);
    }
    if (delta != null && delta.isEmpty() && !more && chunk.getValue("usage") == null) {
      return; // a role-only preamble, or content now held: nothing left to send
    }
    remember(chunk);
    out.accept(chunk.toBuffer());
  }

  /** The continuation ended: whatever of its start is still held goes out. */
  void finish(Consumer<Buffer> out) {
    if (aligning) {
      flush(out);
    }
  }

  private void flush(Consumer<Buffer> out) {
    aligning = false;
    String held = pending.toString();
    pending = null;
    String text = held.substring(overlap(delivered, held));
    if (text.isEmpty()) {
      return;
    }
    append(text);
    JsonObject chunk = new JsonObject().put("id", id).put("object", "chat.completion.chunk");
    if (created != null) {
      chunk.put("created", created);
    }
    chunk.put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("delta", new JsonObject().put("content", text)).putNull("finish_reason")));
    out.accept(chunk.toBuffer());
  }

  /**
   * The length of the longest start of {@code next} that the delivered text ends with (bounded by the window): a
   * blank one counts at any length, a non-blank one from {@link #MIN_OVERLAP} characters.
   */
  static int overlap(CharSequence delivered, String next) {
    int max = Math.min(Math.min(delivered.length(), next.length()), OVERLAP_WINDOW);
    for (int k = max; k > 0; k--) {
      if (endsWith(delivered, next, k) && (k >= MIN_OVERLAP || next.substring(0, k).isBlank())) {
        return k;
      }
    }
    return 0;
  }

  private static boolean endsWith(CharSequence s, String next, int k) {
    int from = s.length() - k;
    for (int i = 0; i < k; i++) {
      if (s.charAt(from + i) != next.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private JsonObject usageJson(JsonObject u) {
    Usage sum = add(before, Usage.fromOpenAi(u));
    return u.copy().put("prompt_tokens", sum.promptTokens()).put("completion_tokens", sum.completionTokens())
        .put("total_tokens", sum.totalTokens());
  }

  private void remember(JsonObject chunk) {
    if (id == null && chunk.getValue("id") instanceof String s) {
      id = s;
      model = chunk.getString("model");
      created = chunk.getValue("created");
    }
    JsonArray choices = chunk.getValue("choices") instanceof JsonArray a ? a : null;
    if (choices == null) {
      return;
    }
    for (int i = 0; i < choices.size(); i++) {
      if (!(choices.getValue(i) instanceof JsonObject c)) {
        continue;
      }
      if (c.getInteger("index", 0) != 0) {
        toolCalls = true; // several choices: one continuation cannot serve them all
      }
      if (c.getValue("finish_reason") != null) {
        finished = true;
      }
      JsonObject delta = c.getJsonObject("delta");
      if (delta != null && (delta.containsKey("tool_calls") || delta.containsKey("function_call"))) {
        toolCalls = true;
      }
      if (!continuing && delta != null && delta.getValue("content") instanceof String s) {
        append(s);
      }
    }
  }

  private void append(String text) {
    if (delivered.length() + text.length() > MAX_TEXT_CHARS) {
      tooLong = true;
      return;
    }
    delivered.append(text);
  }

  private static JsonObject firstChoice(JsonObject chunk) {
    return chunk.getValue("choices") instanceof JsonArray a && !a.isEmpty() && a.getValue(0) instanceof JsonObject c
        ? c : null;
  }
}
