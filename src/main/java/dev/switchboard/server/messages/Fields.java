package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Typed reads of a Messages request body that fail the way Anthropic's API does: a 400
 * {@code invalid_request_error} whose message starts with the field's path ({@code messages.0.content.1.source:
 * Field required}), so a client sees which field to fix. The path also goes into {@link ApiError#param()}.
 */
final class Fields {
  private Fields() {
  }

  static ApiException invalid(String path, String message) {
    return new ApiException(ApiError.invalid(path + ": " + message, path, "invalid_value"));
  }

  static String path(String parent, Object key) {
    return parent.isEmpty() ? String.valueOf(key) : parent + "." + key;
  }

  static Object required(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    if (v == null) {
      throw invalid(path(parent, key), "Field required");
    }
    return v;
  }

  static String string(JsonObject o, String key, String parent) {
    return asString(required(o, key, parent), path(parent, key));
  }

  static String optionalString(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    return v == null ? null : asString(v, path(parent, key));
  }

  static String asString(Object v, String path) {
    if (v instanceof String s) {
      return s;
    }
    throw invalid(path, "Input should be a valid string");
  }

  static JsonObject object(JsonObject o, String key, String parent) {
    return asObject(required(o, key, parent), path(parent, key));
  }

  static JsonObject optionalObject(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    return v == null ? null : asObject(v, path(parent, key));
  }

  static JsonObject asObject(Object v, String path) {
    if (v instanceof JsonObject j) {
      return j;
    }
    throw invalid(path, "Input should be a valid dictionary");
  }

  static JsonArray optionalArray(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    if (v == null || v instanceof JsonArray) {
      return (JsonArray) v;
    }
    throw invalid(path(parent, key), "Input should be a valid list");
  }

  /** A whole number, or null when absent; 2.0 counts as whole, 2.5 does not. */
  static Long optionalInteger(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
      return n.longValue();
    }
    throw invalid(path(parent, key), "Input should be a valid integer");
  }

  /** A number within [min, max], or null when absent. */
  static Number optionalNumber(JsonObject o, String key, double min, double max, String parent) {
    Object v = o.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw invalid(path(parent, key), "Input should be a valid number");
    }
    if (n.doubleValue() < min) {
      throw invalid(path(parent, key), "Input should be greater than or equal to " + format(min));
    }
    if (n.doubleValue() > max) {
      throw invalid(path(parent, key), "Input should be less than or equal to " + format(max));
    }
    return n;
  }

  static boolean flag(JsonObject o, String key, String parent) {
    Object v = o.getValue(key);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw invalid(path(parent, key), "Input should be a valid boolean");
  }

  private static String format(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
