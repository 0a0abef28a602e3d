package dev.switchboard.server;

import dev.switchboard.api.JsonText;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Parses and checks a request body once, the way OpenAI does, so a bad request fails here with a precise
 * {@code param} instead of costing an upstream round trip. Fields Switchboard does not know pass through
 * untouched; known ones are only type-checked.
 */
public final class RequestValidator {
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
  // Arrays, not sets: they are only walked, once per request, and a set's iterator is an allocation each time.
  private static final String[] NUMBERS = {"temperature", "top_p", "presence_penalty", "frequency_penalty"};
  private static final String[] INTEGERS = {"max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs",
      "best_of", "dimensions"};
  private static final String[] MAX_TOKENS = {"max_tokens", "max_completion_tokens"};
  private static final String DEFAULT_IMAGE_MODEL = "dall-e-2";
  static final int MAX_EMBEDDING_INPUTS = 2048;
  static final int MAX_DIMENSIONS = 3072;
  /** OpenAI's limits on {@code n}: choices per chat or completion request, images per request. */
  static final int MAX_CHOICES = 128;
  static final int MAX_IMAGES = 10;

  public GatewayRequest parse(Endpoint endpoint, Buffer raw, String requestId, String clientKey,
                              String pinnedProvider, String strategy, long receivedNanos) {
    JsonObject body = jsonObject(raw);
    String model = model(endpoint, body);
    boolean stream = false;
    boolean includeUsage = false;
    if (endpoint.streamable()) {
      stream = bool(body, "stream");
      Object options = body.getValue("stream_options");
      if (options != null && !(options instanceof JsonObject)) {
        throw new ApiException(ApiError.invalidType("stream_options", "an object"));
      }
      if (options instanceof JsonObject o) {
        if (!stream) {
          throw new ApiException(ApiError.invalidParam("stream_options",
              "The 'stream_options' parameter is only allowed when 'stream' is enabled."));
        }
        includeUsage = bool(o, "include_usage", "stream_options.include_usage");
      }
    }
    common(body);
    maxN(body, endpoint == Endpoint.IMAGES ? MAX_IMAGES : MAX_CHOICES);
    switch (endpoint) {
      case CHAT -> chat(body);
      case COMPLETIONS -> required(body, "prompt", v -> v instanceof String || v instanceof JsonArray a && !a.isEmpty(),
          "a string or a non-empty array");
      case EMBEDDINGS -> {
        required(body, "input", v -> v instanceof String || v instanceof JsonArray a && !a.isEmpty(),
            "a string or a non-empty array");
        // OpenAI's own limits; they also bound what the local fallback computes for one request.
        if (body.getValue("input") instanceof JsonArray a && a.size() > MAX_EMBEDDING_INPUTS) {
          throw new ApiException(ApiError.invalidParam("input", "'input' may hold at most " + MAX_EMBEDDING_INPUTS
              + " items, got " + a.size() + "."));
        }
        if (body.getValue("dimensions") instanceof Number d && (d.longValue() < 1 || d.longValue() > MAX_DIMENSIONS)) {
          throw new ApiException(ApiError.invalidParam("dimensions", "'dimensions' must be between 1 and "
              + MAX_DIMENSIONS + "."));
        }
      }
      case IMAGES -> required(body, "prompt", v -> v instanceof String s && !s.isBlank(), "a non-empty string");
      case SPEECH -> {
        required(body, "input", v -> v instanceof String, "a string");
        required(body, "voice", v -> v instanceof String || v instanceof JsonObject, "a string");
      }
    }
    return new GatewayRequest(requestId, endpoint, model, stream, includeUsage, body, raw, clientKey, pinnedProvider,
        strategy, receivedNanos);
  }

  private static String model(Endpoint endpoint, JsonObject body) {
    Object m = body.getValue("model");
    if (m == null) {
      if (endpoint == Endpoint.IMAGES) {
        return DEFAULT_IMAGE_MODEL;
      }
      throw new ApiException(ApiError.missingParam("model"));
    }
    if (!(m instanceof String s)) {
      throw new ApiException(ApiError.invalidType("model", "a string"));
    }
    if (s.isBlank()) {
      throw new ApiException(ApiError.invalidParam("model", "'model' must not be empty."));
    }
    if (s.length() > 256) {
      throw new ApiException(ApiError.invalidParam("model", "'model' is longer than 256 characters."));
    }
    return s;
  }

  private static void common(JsonObject body) {
    for (String key : NUMBERS) {
      Object v = body.getValue(key);
      if (v != null && !(v instanceof Number)) {
        throw new ApiException(ApiError.invalidType(key, "a number"));
      }
    }
    for (String key : INTEGERS) {
      Object v = body.getValue(key);
      if (v != null && !(v instanceof Integer || v instanceof Long)) {
        throw new ApiException(ApiError.invalidType(key, "an integer"));
      }
    }
    Object n = body.getValue("n");
    if (n instanceof Number num && num.longValue() < 1) {
      throw new ApiException(ApiError.invalidParam("n", "'n' must be at least 1."));
    }
    for (String key : MAX_TOKENS) {
      if (body.getValue(key) instanceof Number num && num.longValue() < 1) {
        throw new ApiException(ApiError.invalidParam(key, "'" + key + "' must be at least 1."));
      }
    }
    Object stop = body.getValue("stop");
    if (stop != null && !(stop instanceof String) && !(stop instanceof JsonArray)) {
      throw new ApiException(ApiError.invalidType("stop", "a string or an array of strings"));
    }
  }

  /** {@code n} multiplies what a reply holds (and what a provider bills): bounded as OpenAI bounds it. */
  private static void maxN(JsonObject body, int max) {
    if (body.getValue("n") instanceof Number num && num.longValue() > max) {
      throw new ApiException(ApiError.invalidParam("n", "'n' must be at most " + max + ", got " + num + "."));
    }
  }

  private static void chat(JsonObject body) {
    Object messages = body.getValue("messages");
    if (messages == null) {
      throw new ApiException(ApiError.missingParam("messages"));
    }
    if (!(messages instanceof JsonArray arr)) {
      throw new ApiException(ApiError.invalidType("messages", "an array"));
    }
    if (arr.isEmpty()) {
      throw new ApiException(ApiError.invalidParam("messages", "'messages' must contain at least one message."));
    }
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof JsonObject m)) {
        throw new ApiException(ApiError.invalidType(message(i), "an object"));
      }
      Object role = m.getValue("role");
      if (role == null) {
        throw new ApiException(ApiError.missingParam(message(i) + ".role"));
      }
      if (!(role instanceof String r) || !ROLES.contains(r)) {
        String p = message(i);
        throw new ApiException(ApiError.invalidParam(p + ".role", "Invalid value for '" + p + ".role': expected one of "
            + "'system', 'developer', 'user', 'assistant', 'tool' or 'function'."));
      }
      Object content = m.getValue("content");
      if (content != null && !(content instanceof String) && !(content instanceof JsonArray)) {
        throw new ApiException(ApiError.invalidType(message(i) + ".content", "a string or an array of content parts"));
      }
    }
    Object tools = body.getValue("tools");
    if (tools != null && !(tools instanceof JsonArray)) {
      throw new ApiException(ApiError.invalidType("tools", "an array"));
    }
    Object toolChoice = body.getValue("tool_choice");
    if (toolChoice != null && !(toolChoice instanceof String) && !(toolChoice instanceof JsonObject)) {
      throw new ApiException(ApiError.invalidType("tool_choice", "a string or an object"));
    }
  }

  /** The param name of the i-th message, built only for an error. */
  private static String message(int i) {
    return "messages[" + i + "]";
  }

  private static boolean bool(JsonObject o, String key) {
    return bool(o, key, key);
  }

  private static boolean bool(JsonObject o, String key, String param) {
    Object v = o.getValue(key);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw new ApiException(ApiError.invalidType(param, "a boolean"));
    }
    return b;
  }

  private interface Check {
    boolean ok(Object value);
  }

  private static void required(JsonObject body, String key, Check check, String expected) {
    Object v = body.getValue(key);
    if (v == null) {
      throw new ApiException(ApiError.missingParam(key));
    }
    if (!check.ok(v)) {
      throw new ApiException(ApiError.invalidType(key, expected));
    }
  }

  /**
   * A request body as a JSON object, or a 400 {@code invalid_json} in OpenAI's words (empty, not an object, or where
   * the parse failed). Every OpenAI-shaped front end reads its body through this.
   */
  public static JsonObject jsonObject(Buffer raw) {
    if (raw == null || raw.length() == 0) {
      throw new ApiException(ApiError.invalid("We could not parse the JSON body of your request: the body is empty. "
          + "Send a JSON object with 'Content-Type: application/json'.", null, "invalid_json"));
    }
    if (JsonText.firstNonBlank(raw) != '{') {
      throw new ApiException(ApiError.invalid("We could not parse the JSON body of your request: the body must be a "
          + "JSON object.", null, "invalid_json"));
    }
    try {
      return new JsonObject(raw);
    } catch (DecodeException e) {
      throw new ApiException(ApiError.invalid("We could not parse the JSON body of your request: "
          + parseProblem(e), null, "invalid_json"));
    }
  }

  /**
   * What the parser found and where, in its own words but without Vert.x's "Failed to decode:" prefix and Jackson's
   * "[Source: REDACTED (`StreamReadFeature…` disabled); line: 1, column: 38]" notes, which tell a client nothing.
   */
  public static String parseProblem(DecodeException e) {
    String s = e.getMessage();
    if (s == null) {
      return "malformed JSON";
    }
    if (s.startsWith("Failed to decode:")) {
      s = s.substring("Failed to decode:".length());
    }
    int nl = s.indexOf('\n');
    String line = (nl < 0 ? s : s.substring(0, nl))
        .replace("[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: ", "line ")
        .replaceAll("line (\\d+), column: (\\d+)]", "line $1, column $2");
    return line.length() > 300 ? line.substring(0, 300) : line;
  }
}
