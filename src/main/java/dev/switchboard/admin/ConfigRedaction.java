package dev.switchboard.admin;

import dev.switchboard.config.Secrets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * A raw config tree made safe to show: credentials written in it are replaced; a reference to an environment
 * variable ({@code ${OPENAI_API_KEY}}) is shown, since it names the variable and not its value, but its default
 * ({@code ${X:-default}}) is not. Passwords inside URLs are removed too.
 */
final class ConfigRedaction {
  private ConfigRedaction() {
  }

  static JsonObject redact(JsonObject tree) {
    return (JsonObject) redact(null, tree);
  }

  private static Object redact(String key, Object value) {
    if (value instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      for (String k : o.fieldNames()) {
        out.put(k, redact(k, o.getValue(k)));
      }
      return out;
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (Object v : a) {
        out.add(redact(key, v));
      }
      return out;
    }
    if (value instanceof String s) {
      if (key != null && secretName(key)) {
        return s.startsWith("${") && s.endsWith("}") && !s.contains(":-") ? s : Secrets.REDACTED;
      }
      // redis://user:password@host
      return s.replaceAll("(://[^/@:\\s]*:)[^/@\\s]+@", "$1" + Secrets.REDACTED + "@");
    }
    return value;
  }

  /** Field names that hold credentials: api_key, admin_key, key, password, token, secret, authorization. */
  private static boolean secretName(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.equals("key") || k.equals("keys") || k.endsWith("_key") || k.contains("password") || k.contains("token")
        || k.contains("secret") || k.equals("authorization") || k.endsWith("api-key");
  }
}
