package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Responses {@code tools} and {@code tool_choice} -> chat. Only function tools translate: the built-in tools
 * (web search, file search, computer use, code interpreter, image generation, MCP, shell …) run inside OpenAI, and a
 * gateway in front of other providers has nothing to run them with, so they are a 400 naming {@code tools[i].type}.
 * {@code strict} is forwarded only when the client gives it: imposing the Responses default ({@code true}) would
 * make OpenAI refuse schemas that other targets accept.
 */
final class ResponsesTools {
  private ResponsesTools() {
  }

  /** Refuses tools and tool choices that cannot be translated. */
  static void check(JsonObject body) {
    Object tools = body.getValue("tools");
    if (tools != null && !(tools instanceof JsonArray)) {
      throw new ApiException(ApiError.invalidType("tools", "an array of tools"));
    }
    if (tools instanceof JsonArray list) {
      for (int i = 0; i < list.size(); i++) {
        String at = "tools[" + i + "]";
        if (!(list.getValue(i) instanceof JsonObject tool)) {
          throw new ApiException(ApiError.invalidType(at, "an object"));
        }
        Object type = tool.getValue("type");
        if (!"function".equals(type)) {
          throw ResponsesRequest.unsupported(at + ".type", "Tools of type '" + type + "' are not supported by this "
              + "gateway: it runs no built-in tools; declare a 'function' tool and run it yourself.");
        }
        if (!(tool.getValue("name") instanceof String name) || name.isEmpty()) {
          throw new ApiException(ApiError.missingParam(at + ".name"));
        }
        if (tool.getValue("parameters") != null && !(tool.getValue("parameters") instanceof JsonObject)) {
          throw new ApiException(ApiError.invalidType(at + ".parameters", "a JSON schema object"));
        }
      }
    }
    Object choice = body.getValue("tool_choice");
    if (choice == null || "auto".equals(choice) || "none".equals(choice) || "required".equals(choice)) {
      return;
    }
    if (choice instanceof JsonObject o && "function".equals(o.getValue("type"))) {
      if (!(o.getValue("name") instanceof String)) {
        throw new ApiException(ApiError.missingParam("tool_choice.name"));
      }
      return;
    }
    if (choice instanceof JsonObject o) {
      throw ResponsesRequest.unsupported("tool_choice.type", "'tool_choice' of type '" + o.getValue("type")
          + "' is not supported by this gateway; use 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":…}.");
    }
    throw new ApiException(ApiError.invalidParam("tool_choice",
        "Invalid value for 'tool_choice': expected 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":…}."));
  }

  /** Puts the chat {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}; chat refuses the last two without tools. */
  static void translate(JsonObject body, JsonObject chat) {
    if (!(body.getValue("tools") instanceof JsonArray list) || list.isEmpty()) {
      return;
    }
    JsonArray tools = new JsonArray();
    for (Object o : list) {
      JsonObject tool = (JsonObject) o;
      JsonObject function = new JsonObject().put("name", tool.getString("name"));
      if (tool.getValue("description") instanceof String description) {
        function.put("description", description);
      }
      if (tool.getValue("parameters") instanceof JsonObject parameters) {
        function.put("parameters", parameters.copy());
      }
      if (tool.getValue("strict") instanceof Boolean strict) {
        function.put("strict", strict);
      }
      tools.add(new JsonObject().put("type", "function").put("function", function));
    }
    chat.put("tools", tools);
    Object choice = body.getValue("tool_choice");
    if (choice instanceof String mode) {
      chat.put("tool_choice", mode);
    } else if (choice instanceof JsonObject o) {
      chat.put("tool_choice", new JsonObject().put("type", "function")
          .put("function", new JsonObject().put("name", o.getString("name"))));
    }
    if (body.getValue("parallel_tool_calls") instanceof Boolean parallel) {
      chat.put("parallel_tool_calls", parallel);
    }
  }
}
