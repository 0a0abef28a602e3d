package dev.switchboard.server.messages;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code messages} of a Messages request as chat-completions messages. Anthropic carries tool results as
 * {@code tool_result} blocks inside a user turn; chat wants one {@code role: tool} message per result right after the
 * assistant's {@code tool_calls}, so a user turn becomes its tool messages first, then a user message with the
 * rest of its content. {@code thinking} and {@code redacted_thinking} blocks of assistant turns are dropped: a chat
 * message has no place for them (and their signatures only mean something to Anthropic). {@code cache_control} and
 * {@code citations} are dropped everywhere.
 */
final class MessagesContent {
  private static final String PDF = "application/pdf";

  private MessagesContent() {
  }

  static void translate(JsonArray messages, JsonArray out) {
    for (int i = 0; i < messages.size(); i++) {
      String path = "messages." + i;
      JsonObject m = Fields.asObject(messages.getValue(i), path);
      String role = Fields.string(m, "role", path);
      Object content = Fields.required(m, "content", path);
      String contentPath = path + ".content";
      if (!(content instanceof String) && !(content instanceof JsonArray)) {
        throw Fields.invalid(contentPath, "Input should be a valid string or a list of content blocks");
      }
      switch (role) {
        case "user" -> user(content, contentPath, out);
        case "assistant" -> assistant(content, contentPath, out);
        default -> throw Fields.invalid(path + ".role", "Input should be 'user' or 'assistant'");
      }
    }
  }

  private static void user(Object content, String path, JsonArray out) {
    if (content instanceof String s) {
      out.add(new JsonObject().put("role", "user").put("content", s));
      return;
    }
    JsonArray parts = new JsonArray();
    JsonArray blocks = (JsonArray) content;
    for (int j = 0; j < blocks.size(); j++) {
      String at = path + "." + j;
      JsonObject block = Fields.asObject(blocks.getValue(j), at);
      String type = Fields.string(block, "type", at);
      switch (type) {
        case "text" -> parts.add(textPart(Fields.string(block, "text", at)));
        case "image" -> parts.add(image(block, at));
        case "document" -> parts.add(document(block, at));
        case "tool_result" -> out.add(toolResult(block, at, parts));
        default -> throw unsupportedBlock(at, type, "user");
      }
    }
    if (!parts.isEmpty()) {
      out.add(new JsonObject().put("role", "user").put("content", parts));
    }
  }

  private static void assistant(Object content, String path, JsonArray out) {
    if (content instanceof String s) {
      out.add(new JsonObject().put("role", "assistant").put("content", s));
      return;
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    JsonArray blocks = (JsonArray) content;
    for (int j = 0; j < blocks.size(); j++) {
      String at = path + "." + j;
      JsonObject block = Fields.asObject(blocks.getValue(j), at);
      String type = Fields.string(block, "type", at);
      switch (type) {
        case "text" -> text.append(Fields.string(block, "text", at));
        case "tool_use" -> calls.add(new JsonObject()
            .put("id", Fields.string(block, "id", at))
            .put("type", "function")
            .put("function", new JsonObject()
                .put("name", Fields.string(block, "name", at))
                .put("arguments", Fields.object(block, "input", at).encode())));
        case "thinking", "redacted_thinking" -> {
          // no chat equivalent; see the class comment
        }
        default -> throw unsupportedBlock(at, type, "assistant");
      }
    }
    if (text.isEmpty() && calls.isEmpty()) {
      // only thinking: nothing a chat model could read
      return;
    }
    JsonObject message = new JsonObject().put("role", "assistant");
    message.put("content", text.isEmpty() ? null : text.toString());
    if (!calls.isEmpty()) {
      message.put("tool_calls", calls);
    }
    out.add(message);
  }

  /**
   * One {@code role: tool} message. Its text is the result's text blocks joined; images cannot go into a chat tool
   * message, so they join the user message that follows ({@code trailing}) and the tool text says so.
   */
  private static JsonObject toolResult(JsonObject block, String path, JsonArray trailing) {
    String id = Fields.string(block, "tool_use_id", path);
    Object content = block.getValue("content");
    StringBuilder text = new StringBuilder();
    if (content instanceof String s) {
      text.append(s);
    } else if (content instanceof JsonArray parts) {
      for (int k = 0; k < parts.size(); k++) {
        String at = path + ".content." + k;
        JsonObject part = Fields.asObject(parts.getValue(k), at);
        String type = Fields.string(part, "type", at);
        switch (type) {
          case "text" -> text.append(text.isEmpty() ? "" : "\n").append(Fields.string(part, "text", at));
          case "image" -> {
            trailing.add(image(part, at));
            text.append(text.isEmpty() ? "" : "\n").append("[image: see the next user message]");
          }
          case "document" -> {
            JsonObject doc = document(part, at);
            if ("text".equals(doc.getString("type"))) {
              text.append(text.isEmpty() ? "" : "\n").append(doc.getString("text"));
            } else {
              trailing.add(doc);
              text.append(text.isEmpty() ? "" : "\n").append("[document: see the next user message]");
            }
          }
          default -> throw unsupportedBlock(at, type, "tool_result");
        }
      }
    } else if (content != null) {
      throw Fields.invalid(path + ".content", "Input should be a valid string or a list of content blocks");
    }
    String result = Fields.flag(block, "is_error", path) ? "Error: " + text : text.toString();
    return new JsonObject().put("role", "tool").put("tool_call_id", id).put("content", result);
  }

  /** base64 source -> data: URL; url source -> the URL. Files API ids mean nothing to other providers. */
  private static JsonObject image(JsonObject block, String path) {
    String at = path + ".source";
    JsonObject source = Fields.object(block, "source", path);
    String url = switch (Fields.string(source, "type", at)) {
      case "base64" -> "data:" + Fields.string(source, "media_type", at) + ";base64,"
          + Fields.string(source, "data", at);
      case "url" -> Fields.string(source, "url", at);
      default -> throw Fields.invalid(at + ".type", "Switchboard takes images as 'base64' or 'url' sources, not '"
          + source.getValue("type") + "'");
    };
    return new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url));
  }

  /**
   * A base64 PDF -> a chat {@code file} part (the shape OpenAI's chat API takes: {@code file.filename} and
   * {@code file.file_data} as a data: URL); plain-text and content documents -> a text part.
   */
  private static JsonObject document(JsonObject block, String path) {
    String at = path + ".source";
    JsonObject source = Fields.object(block, "source", path);
    String title = Fields.optionalString(block, "title", path);
    return switch (Fields.string(source, "type", at)) {
      case "base64" -> {
        String mediaType = Fields.string(source, "media_type", at);
        if (!PDF.equals(mediaType)) {
          throw Fields.invalid(at + ".media_type", "Input should be 'application/pdf'");
        }
        yield new JsonObject().put("type", "file").put("file", new JsonObject()
            .put("filename", title == null || title.isBlank() ? "document.pdf" : title)
            .put("file_data", "data:" + PDF + ";base64," + Fields.string(source, "data", at)));
      }
      case "text" -> textPart(Fields.string(source, "data", at));
      case "content" -> {
        Object content = Fields.required(source, "content", at);
        if (content instanceof String s) {
          yield textPart(s);
        }
        if (!(content instanceof JsonArray blocks)) {
          throw Fields.invalid(at + ".content", "Input should be a valid string or a list of content blocks");
        }
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < blocks.size(); k++) {
          String bt = at + ".content." + k;
          JsonObject b = Fields.asObject(blocks.getValue(k), bt);
          if ("text".equals(b.getValue("type"))) {
            text.append(text.isEmpty() ? "" : "\n").append(Fields.string(b, "text", bt));
          }
        }
        yield textPart(text.toString());
      }
      default -> throw Fields.invalid(at + ".type", "Switchboard takes documents as 'base64' (PDF), 'text' or "
          + "'content' sources, not '" + source.getValue("type") + "'");
    };
  }

  private static JsonObject textPart(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static RuntimeException unsupportedBlock(String path, String type, String where) {
    return Fields.invalid(path + ".type", "content blocks of type '" + type + "' cannot be translated for "
        + where + " content by Switchboard (server tools, search results and container uploads have no "
        + "chat-completions equivalent)");
  }
}
