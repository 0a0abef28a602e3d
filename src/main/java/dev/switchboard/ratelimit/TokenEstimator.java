package dev.switchboard.ratelimit;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.ToLongFunction;

/**
 * Estimates the tokens a request will cost before it is sent: the prompt, plus the completion it may produce
 * ({@code max_completion_tokens} / {@code max_tokens}, else a configured default). The reply's usage settles the
 * difference afterwards.
 *
 * <p>Admission ({@link #estimate}) runs on every rate-limited request, so its prompt count is {@link PromptSize}'s
 * single pass (nanoseconds, within about 15 % of o200k); the exact count with a real tokenizer (o200k, as current
 * OpenAI models use; close enough for other families) is kept for what reports a number to someone
 * ({@link #promptTokens}: ledger rows without usage; {@link #chatPromptTokens}: Anthropic's {@code count_tokens}).
 *
 * <p>Text beyond {@value #EXACT_CHARS} characters is estimated at four characters a token rather than counted, so a
 * huge prompt costs the event loop microseconds, not milliseconds.
 */
public final class TokenEstimator {
  static final int EXACT_CHARS = 32 * 1024;
  /** Per-message framing tokens (role, separators), as OpenAI's own counting adds. */
  private static final int PER_MESSAGE = 4;
  private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  private static final ToLongFunction<String> EXACT = TokenEstimator::count;
  private static final ToLongFunction<String> FAST = PromptSize::tokens;

  private final int defaultCompletionTokens;

  public TokenEstimator(int defaultCompletionTokens) {
    this.defaultCompletionTokens = defaultCompletionTokens;
  }

  /**
   * What admission charges: the prompt's approximate size ({@link PromptSize}) plus the completion budget; at most
   * {@link Long#MAX_VALUE}, so an absurd {@code max_tokens} is refused as too large rather than wrapping around.
   */
  public long estimate(GatewayRequest request) {
    return saturatedAdd(promptTokens(request, FAST), completionBudget(request));
  }

  /** The prompt's tokens alone, counted with the tokenizer. */
  public long promptTokens(GatewayRequest request) {
    return promptTokens(request, EXACT);
  }

  private static long promptTokens(GatewayRequest request, ToLongFunction<String> count) {
    JsonObject body = request.body();
    return switch (request.endpoint()) {
      case CHAT -> chatPromptTokens(body, count);
      case COMPLETIONS -> text(body.getValue("prompt"), count);
      case EMBEDDINGS -> text(body.getValue("input"), count);
      case SPEECH -> text(body.getValue("input"), count);
      case IMAGES -> text(body.getValue("prompt"), count);
    };
  }

  /** The prompt tokens of a chat-completions body, its messages and tools, counted with the tokenizer. */
  public static long chatPromptTokens(JsonObject body) {
    return chatPromptTokens(body, EXACT);
  }

  private static long chatPromptTokens(JsonObject body, ToLongFunction<String> count) {
    return messages(body.getValue("messages"), count) + text(body.getValue("tools"), count);
  }

  /** The completion the request may produce, over all its choices; at most {@link Long#MAX_VALUE}. */
  public long completionBudget(GatewayRequest request) {
    JsonObject body = request.body();
    long completion = 0;
    if (request.endpoint() == dev.switchboard.api.Endpoint.CHAT
        || request.endpoint() == dev.switchboard.api.Endpoint.COMPLETIONS) {
      Object max = body.getValue("max_completion_tokens");
      if (!(max instanceof Number)) {
        max = body.getValue("max_tokens");
      }
      long n = body.getValue("n") instanceof Number c ? Math.max(1, c.longValue()) : 1;
      long perChoice = max instanceof Number m ? Math.max(0, m.longValue()) : defaultCompletionTokens;
      completion = perChoice > Long.MAX_VALUE / n ? Long.MAX_VALUE : perChoice * n;
    }
    return completion;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static long messages(Object messages, ToLongFunction<String> count) {
    if (!(messages instanceof JsonArray array)) {
      return 0;
    }
    long total = 3;
    for (Object m : array) {
      total += PER_MESSAGE;
      if (m instanceof JsonObject msg) {
        total += text(msg.getValue("content"), count);
        Object calls = msg.getValue("tool_calls");
        if (calls != null) {
          total += text(calls, count);
        }
      }
    }
    return total;
  }

  /** Tokens of a string, of the text parts of a content array, or of any other JSON value's encoding. */
  static long text(Object value) {
    return text(value, EXACT);
  }

  private static long text(Object value, ToLongFunction<String> count) {
    if (value == null) {
      return 0;
    }
    if (value instanceof String s) {
      return count.applyAsLong(s);
    }
    if (value instanceof JsonArray parts) {
      long total = 0;
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          total += count.applyAsLong(t);
        } else if (p instanceof JsonObject part && part.containsKey("image_url")) {
          // Images are billed by size; a mid-size image is ~765 tokens at OpenAI.
          total += 765;
        } else {
          total += text(p, count);
        }
      }
      return total;
    }
    if (value instanceof Number) {
      return 1;
    }
    String encoded = value instanceof JsonObject o ? o.encode() : value.toString();
    return count.applyAsLong(encoded);
  }

  static long count(String s) {
    if (s.length() > EXACT_CHARS) {
      return s.length() / 4;
    }
    return ENCODING.countTokens(s);
  }
}
