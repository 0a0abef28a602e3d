package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.Requirements;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Reads a request's routing requirements once, at the front door: the headers {@code x-switchboard-max-price},
 * {@code x-switchboard-min-quality} and {@code x-switchboard-max-latency}, or the same names in the body's
 * {@code x_switchboard} member ({@code "x_switchboard": {"max_price": 2.5, "min_quality": 0.8, "max_latency":
 * "2s"}}); a header wins over the body. The member is removed from the body, so no provider sees it. A malformed
 * value is a 400 naming the header or field.
 *
 * <p>{@code max_price} is per million tokens (blended 3:1 input to output, as the cost strategy ranks), or per request
 * with a {@code /request} suffix ({@code 0.05/request}: the per-request, per-image and per-character prices).
 * {@code max_latency} is milliseconds, or a number with {@code ms} or {@code s}.
 */
public final class RequirementsReader {
  /** The body member holding requirements, beside {@link GatewayRequest#ANTHROPIC_EXTRAS}. */
  public static final String EXTENSION = "x_switchboard";
  private static final String PER_REQUEST = "/request";
  private static final long MAX_LATENCY_MILLIS = 3_600_000;

  private RequirementsReader() {
  }

  /** The request with its requirements read (and the extension removed), or the request itself when it has none. */
  public static GatewayRequest read(GatewayRequest request, MultiMap headers) {
    Object member = request.body().getValue(EXTENSION);
    String price = headers.get("x-switchboard-max-price");
    String quality = headers.get("x-switchboard-min-quality");
    String latency = headers.get("x-switchboard-max-latency");
    if (member == null && price == null && quality == null && latency == null) {
      return request;
    }
    JsonObject body = request.body();
    JsonObject ext = new JsonObject();
    if (member != null) {
      if (!(member instanceof JsonObject o)) {
        throw new ApiException(ApiError.invalidType(EXTENSION, "an object"));
      }
      ext = o;
      for (String key : ext.fieldNames()) {
        if (!key.equals("max_price") && !key.equals("min_quality") && !key.equals("max_latency")) {
          throw new ApiException(ApiError.invalid("Unknown field '" + key + "' in '" + EXTENSION + "'. Use "
              + "max_price, min_quality or max_latency.", EXTENSION + "." + key, "invalid_requirement"));
        }
      }
      body = body.copy();
      body.remove(EXTENSION);
    }
    Double perMillion = null;
    Double perRequest = null;
    String priceParam = price != null ? "x-switchboard-max-price" : EXTENSION + ".max_price";
    String priceText = price != null ? price : text(ext.getValue("max_price"));
    if (priceText != null) {
      String t = priceText.trim().toLowerCase(Locale.ROOT);
      if (t.endsWith(PER_REQUEST)) {
        perRequest = number(t.substring(0, t.length() - PER_REQUEST.length()), priceParam, 0, 1e6, priceText);
      } else {
        perMillion = number(t.endsWith("/1m") ? t.substring(0, t.length() - 3) : t, priceParam, 0, 1e6, priceText);
      }
    }
    String qualityParam = quality != null ? "x-switchboard-min-quality" : EXTENSION + ".min_quality";
    String qualityText = quality != null ? quality : text(ext.getValue("min_quality"));
    Double minQuality = qualityText == null ? null : number(qualityText.trim(), qualityParam, 0, 1, qualityText);
    String latencyParam = latency != null ? "x-switchboard-max-latency" : EXTENSION + ".max_latency";
    String latencyText = latency != null ? latency : text(ext.getValue("max_latency"));
    Long maxLatency = latencyText == null ? null : millis(latencyText, latencyParam);
    Requirements requirements = new Requirements(perMillion, perRequest, minQuality, maxLatency);
    return request.withRequirements(requirements, body, body == request.body() ? request.rawBody() : body.toBuffer());
  }

  private static String text(Object v) {
    return v == null ? null : v.toString();
  }

  private static double number(String t, String param, double min, double max, String original) {
    double d;
    try {
      d = Double.parseDouble(t.trim());
    } catch (NumberFormatException e) {
      throw bad(param, original, "a number");
    }
    if (!(d >= min && d <= max)) {
      throw bad(param, original, "a number from " + Requirements.number(min) + " to " + Requirements.number(max));
    }
    return d;
  }

  private static long millis(String text, String param) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    double factor = 1;
    if (t.endsWith("ms")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      t = t.substring(0, t.length() - 1);
      factor = 1000;
    }
    double d;
    try {
      d = Double.parseDouble(t.trim()) * factor;
    } catch (NumberFormatException e) {
      throw bad(param, text, "milliseconds, or a duration such as 1500ms or 2s");
    }
    if (!(d >= 1 && d <= MAX_LATENCY_MILLIS)) {
      throw bad(param, text, "a duration from 1ms to 1h");
    }
    return (long) d;
  }

  private static ApiException bad(String param, String value, String expected) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    return new ApiException(ApiError.invalid("Invalid value '" + shown + "' for " + param + ": expected " + expected
        + ".", param, "invalid_requirement"));
  }
}
