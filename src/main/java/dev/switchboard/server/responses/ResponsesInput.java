package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Responses input items -> chat messages. Messages keep their role (user, assistant, system, developer); content
 * parts map {@code input_text} -> text, {@code input_image} -> image_url, {@code input_file} with inline data ->
 * file, assistant {@code output_text}/{@code refusal} -> the assistant's text/refusal. {@code function_call} items
 * join the assistant message just before them as parallel tool calls (so an output of text plus calls is one
 * assistant turn again); {@code function_call_output} items become tool messages. A bad item is a 400 naming
 * {@code input[i]...}; an item of the prepended history names {@code previous_response_id}.
 */
final class ResponsesInput {
  private ResponsesInput() {
  }

  /** The input as a list of items: a string is one user message; absent is allowed only when continuing. */
  static JsonArray normalize(Object input, boolean continuing) {
    if (input == null) {
      if (continuing) {
        return new JsonArray();
      }
      throw new ApiException(ApiError.missingParam("input"));
    }
    if (input instanceof String text) {
      return new JsonArray().add(new JsonObject().put("type", "message").put("role", "user")
          .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", text))));
    }
    if (!(input instanceof JsonArray items)) {
      throw new ApiException(ApiError.invalidType("input", "a string or an array of input items"));
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject)) {
        throw new ApiException(ApiError.invalidType("input[" + i + "]", "an object"));
      }
    }
    return items.copy();
  }

  /**
   * Appends the chat messages for {@code items} to {@code messages}.
   *
   * @param historySize how many leading items came from the stored conversation (named as previous_response_id)
   */
  static void toMessages(JsonArray items, int historySize, JsonArray messages) {
    for (int i = 0; i < items.size(); i++) {
      String at = i < historySize ? "previous_response_id" : "input[" + (i - historySize) + "]";
      JsonObject item = items.getJsonObject(i);
      String type = item.getValue("type") instanceof String t ? t : item.containsKey("role") ? "message" : null;
      if (type == null) {
        throw new ApiException(ApiError.missingParam(at + ".type"));
      }
      switch (type) {
        case "message" -> messages.add(message(item, at));
        case "function_call" -> functionCall(item, at, messages);
        case "function_call_output" -> messages.add(new JsonObject().put("role", "tool")
            .put("tool_call_id", string(item, "call_id", at)).put("content", toolOutput(item.getValue("output"), at)));
        case "reasoning" -> {
          // Opaque OpenAI reasoning state: chat completions cannot take it back, and the conversation stands without it.
        }
        case "item_reference" -> throw ResponsesRequest.unsupported(at,
            "Item references are not supported by this gateway; send the item itself.");
        default -> throw ResponsesRequest.unsupported(at + ".type", "Input items of type '" + type
            + "' are not supported by this gateway (it runs no built-in tools).");
      }
    }
  }

  private static JsonObject message(JsonObject item, String at) {
    Object role = item.getValue("role");
    if (!(role instanceof String r) || !(r.equals("user") || r.equals("assistant") || r.equals("system")
        || r.equals("developer"))) {
      throw new ApiException(ApiError.invalidParam(at + ".role",
          "Invalid value for '" + at + ".role': expected one of 'user', 'assistant', 'system', 'developer'."));
    }
    Object content = item.getValue("content");
    JsonObject message = new JsonObject().put("role", r);
    if (content instanceof String text) {
      return message.put("content", text);
    }
    if (!(content instanceof JsonArray parts)) {
      throw new ApiException(content == null ? ApiError.missingParam(at + ".content")
          : ApiError.invalidType(at + ".content", "a string or an array of content parts"));
    }
    if (r.equals("assistant")) {
      StringBuilder text = new StringBuilder();
      StringBuilder refusal = new StringBuilder();
      for (int j = 0; j < parts.size(); j++) {
        JsonObject part = part(parts, j, at + ".content[" + j + "]");
        switch (part.getString("type", "")) {
          case "output_text", "input_text" -> text.append(string(part, "text", at + ".content[" + j + "]"));
          case "refusal" -> refusal.append(string(part, "refusal", at + ".content[" + j + "]"));
          default -> throw badPart(part, at + ".content[" + j + "]", "assistant messages take 'output_text' and "
              + "'refusal' parts");
        }
      }
      message.put("content", text.isEmpty() && !refusal.isEmpty() ? null : text.toString());
      if (!refusal.isEmpty()) {
        message.put("refusal", refusal.toString());
      }
      return message;
    }
    JsonArray out = new JsonArray();
    for (int j = 0; j < parts.size(); j++) {
      String where = at + ".content[" + j + "]";
      JsonObject part = part(parts, j, where);
      String type = part.getString("type", "");
      if (!r.equals("user") && !type.equals("input_text")) {
        throw badPart(part, where, r + " messages take 'input_text' parts only");
      }
      out.add(switch (type) {
        case "input_text" -> new JsonObject().put("type", "text").put("text", string(part, "text", where));
        case "input_image" -> image(part, where);
        case "input_file" -> file(part, where);
        default -> throw badPart(part, where, "user messages take 'input_text', 'input_image' and 'input_file' parts");
      });
    }
    return message.put("content", out);
  }

  private static JsonObject image(JsonObject part, String where) {
    if (!(part.getValue("image_url") instanceof String url) || url.isEmpty()) {
      if (part.getValue("file_id") != null) {
        throw ResponsesRequest.unsupported(where + ".file_id", "Images given by 'file_id' are not supported by this "
            + "gateway (it has no file store); send 'image_url' as a URL or a base64 data URL.");
      }
      throw new ApiException(ApiError.missingParam(where + ".image_url"));
    }
    JsonObject image = new JsonObject().put("url", url);
    if (part.getValue("detail") instanceof String detail) {
      image.put("detail", detail);
    }
    return new JsonObject().put("type", "image_url").put("image_url", image);
  }

  private static JsonObject file(JsonObject part, String where) {
    if (!(part.getValue("file_data") instanceof String data) || data.isEmpty()) {
      String given = part.getValue("file_id") != null ? "file_id" : part.getValue("file_url") != null ? "file_url" : null;
      if (given != null) {
        throw ResponsesRequest.unsupported(where + "." + given, "Files given by '" + given + "' are not supported by "
            + "this gateway; send the file inline as 'file_data' (a base64 data URL).");
      }
      throw new ApiException(ApiError.missingParam(where + ".file_data"));
    }
    JsonObject file = new JsonObject().put("file_data", data);
    if (part.getValue("filename") instanceof String name) {
      file.put("filename", name);
    }
    return new JsonObject().put("type", "file").put("file", file);
  }

  /** A call joins the assistant message just before it (parallel calls, or text then calls), else starts one. */
  private static void functionCall(JsonObject item, String at, JsonArray messages) {
    Object arguments = item.getValue("arguments");
    if (arguments != null && !(arguments instanceof String)) {
      throw new ApiException(ApiError.invalidType(at + ".arguments", "a string of JSON"));
    }
    JsonObject call = new JsonObject().put("id", string(item, "call_id", at)).put("type", "function")
        .put("function", new JsonObject().put("name", string(item, "name", at))
            .put("arguments", arguments == null ? "{}" : arguments));
    JsonObject last = messages.isEmpty() ? null : messages.getJsonObject(messages.size() - 1);
    if (last == null || !"assistant".equals(last.getValue("role"))) {
      last = new JsonObject().put("role", "assistant").put("content", null);
      messages.add(last);
    }
    JsonArray calls = last.getJsonArray("tool_calls");
    if (calls == null) {
      calls = new JsonArray();
      last.put("tool_calls", calls);
    }
    calls.add(call);
  }

  /** A tool result: a string, or text parts (chat tool messages take no images). */
  private static Object toolOutput(Object output, String at) {
    if (output instanceof String s) {
      return s;
    }
    if (!(output instanceof JsonArray parts)) {
      throw new ApiException(output == null ? ApiError.missingParam(at + ".output")
          : ApiError.invalidType(at + ".output", "a string or an array of content parts"));
    }
    JsonArray out = new JsonArray();
    for (int j = 0; j < parts.size(); j++) {
      String where = at + ".output[" + j + "]";
      JsonObject part = part(parts, j, where);
      if (!"input_text".equals(part.getValue("type"))) {
        throw badPart(part, where, "function call outputs can carry 'input_text' parts only through this gateway");
      }
      out.add(new JsonObject().put("type", "text").put("text", string(part, "text", where)));
    }
    return out;
  }

  private static JsonObject part(JsonArray parts, int j, String where) {
    if (!(parts.getValue(j) instanceof JsonObject part)) {
      throw new ApiException(ApiError.invalidType(where, "an object"));
    }
    return part;
  }

  private static ApiException badPart(JsonObject part, String where, String rule) {
    return new ApiException(ApiError.invalidParam(where + ".type",
        "Invalid content part type '" + part.getValue("type") + "' at '" + where + "': " + rule + "."));
  }

  private static String string(JsonObject o, String field, String at) {
    Object v = o.getValue(field);
    if (v instanceof String s) {
      return s;
    }
    throw new ApiException(v == null ? ApiError.missingParam(at + "." + field)
        : ApiError.invalidType(at + "." + field, "a string"));
  }
}
