package dev.switchboard.ratelimit;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Estimates the tokens a request will cost before it is sent: the prompt counted with a real tokenizer (o200k, as
 * current OpenAI models use; close enough for other families to budget with), plus the completion it may produce
 * ({@code max_completion_tokens} / {@code max_tokens}, else a configured default). The reply's usage settles the
 * difference afterwards.
 *
 * <p>Text beyond {@value #EXACT_CHARS} characters is estimated at four characters a token rather than counted, so a
 * huge prompt costs the event loop microseconds, not milliseconds.
 */
public final class TokenEstimator {
  static final int EXACT_CHARS = 32 * 1024;
  /** Per-message framing tokens (role, separators), as OpenAI's own counting adds. */
  private static final int PER_MESSAGE = 4;
  private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  private final int defaultCompletionTokens;

  public TokenEstimator(int defaultCompletionTokens) {
    this.defaultCompletionTokens = defaultCompletionTokens;
  }

  public long estimate(GatewayRequest request) {
    return promptTokens(request) + completionBudget(request);
  }

  /** The prompt's tokens alone. */
  public long promptTokens(GatewayRequest request) {
    JsonObject body = request.body();
    return switch (request.endpoint()) {
      case CHAT -> chatPromptTokens(body);
      case COMPLETIONS -> text(body.getValue("prompt"));
      case EMBEDDINGS -> text(body.getValue("input"));
      case SPEECH -> text(body.getValue("input"));
      case IMAGES -> text(body.getValue("prompt"));
    };
  }

  /** The prompt tokens of a chat-completions body: its messages and tools. */
  public static long chatPromptTokens(JsonObject body) {
    return messages(body.getValue("messages")) + text(body.getValue("tools"));
  }

  /** The completion the request may produce, over all its choices. */
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
      completion = (max instanceof Number m ? Math.max(0, m.longValue()) : defaultCompletionTokens) * n;
    }
    return completion;
  }

  private static long messages(Object messages) {
    if (!(messages instanceof JsonArray array)) {
      return 0;
    }
    long total = 3;
    for (Object m : array) {
      total += PER_MESSAGE;
      if (m instanceof JsonObject msg) {
        total += text(msg.getValue("content"));
        Object calls = msg.getValue("tool_calls");
        if (calls != null) {
          total += text(calls);
        }
      }
    }
    return total;
  }

  /** Tokens of a string, of the text parts of a content array, or of any other JSON value's encoding. */
  static long text(Object value) {
    if (value == null) {
      return 0;
    }
    if (value instanceof String s) {
      return count(s);
    }
    if (value instanceof JsonArray parts) {
      long total = 0;
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          total += count(t);
        } else if (p instanceof JsonObject part && part.containsKey("image_url")) {
          // Images are billed by size; a mid-size image is ~765 tokens at OpenAI.
          total += 765;
        } else {
          total += text(p);
        }
      }
      return total;
    }
    if (value instanceof Number) {
      return 1;
    }
    String encoded = value instanceof JsonObject o ? o.encode() : value.toString();
    return count(encoded);
  }

  static long count(String s) {
    if (s.length() > EXACT_CHARS) {
      return s.length() / 4;
    }
    return ENCODING.countTokens(s);
  }
}
