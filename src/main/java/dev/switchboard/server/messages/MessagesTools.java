package dev.switchboard.server.messages;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A Messages request's {@code tools} and {@code tool_choice} as chat's. Client tools ({@code name},
 * {@code description}, {@code input_schema}) become functions; Anthropic's server tools ({@code web_search_20250305},
 * {@code code_execution_…}, {@code bash_…} …) run inside Anthropic's API and cannot be served by another provider, so
 * they are refused with a 400 naming the tool.
 */
final class MessagesTools {
  private MessagesTools() {
  }

  static void translate(JsonObject body, JsonObject chat) {
    JsonArray tools = Fields.optionalArray(body, "tools", "");
    JsonArray functions = new JsonArray();
    if (tools != null) {
      for (int i = 0; i < tools.size(); i++) {
        functions.add(function(Fields.asObject(tools.getValue(i), "tools." + i), "tools." + i));
      }
    }
    JsonObject choice = Fields.optionalObject(body, "tool_choice", "");
    if (functions.isEmpty()) {
      // chat refuses tool_choice and parallel_tool_calls without tools; with no tools there is nothing to choose
      return;
    }
    chat.put("tools", functions);
    if (choice == null) {
      return;
    }
    String type = Fields.string(choice, "type", "tool_choice");
    switch (type) {
      case "auto" -> chat.put("tool_choice", "auto");
      case "any" -> chat.put("tool_choice", "required");
      case "none" -> chat.put("tool_choice", "none");
      case "tool" -> chat.put("tool_choice", new JsonObject().put("type", "function")
          .put("function", new JsonObject().put("name", Fields.string(choice, "name", "tool_choice"))));
      default -> throw Fields.invalid("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
    }
    if (!"none".equals(type) && Fields.flag(choice, "disable_parallel_tool_use", "tool_choice")) {
      chat.put("parallel_tool_calls", false);
    }
  }

  private static JsonObject function(JsonObject tool, String path) {
    Object type = tool.getValue("type");
    if (type != null && !"custom".equals(type)) {
      throw Fields.invalid(path + ".type", "server tool '" + type + "' runs inside Anthropic's API and cannot be "
          + "translated by Switchboard; only client tools (name, description, input_schema) are supported");
    }
    JsonObject fn = new JsonObject().put("name", Fields.string(tool, "name", path));
    String description = Fields.optionalString(tool, "description", path);
    if (description != null) {
      fn.put("description", description);
    }
    fn.put("parameters", Fields.object(tool, "input_schema", path));
    return new JsonObject().put("type", "function").put("function", fn);
  }
}
