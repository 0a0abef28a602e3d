package dev.switchboard.cache;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.switchboard.routing.Route;
import dev.switchboard.routing.Target;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cache key of a request: SHA-256 of a canonical text of everything that can change the answer, so equivalent
 * requests share a key and any difference that matters gives another.
 *
 * <p>What goes in: the namespace (the client key's name, or one shared namespace), the endpoint, the stream flag,
 * the model as resolved (the requested name and every target it routes to, so an alias pointing elsewhere after a
 * config change never serves its old answers), a pinned provider ({@code x-switchboard-provider}), and the whole
 * body except {@link #IGNORED}. Unknown and vendor fields are included: a field Switchboard does not know might change
 * the answer, so it can only cost a miss, never give a wrong hit.
 *
 * <p>The body is canonical JSON: object keys sorted at every depth, numbers in one form ({@code 1}, {@code 1.0} and
 * {@code 1e0} are the same number; the form is the digits with trailing zeros removed and a decimal exponent),
 * strings JSON-escaped as they are (no Unicode normalisation: different text is a different prompt), array order
 * kept. Decimals are compared as the gateway parsed them (IEEE doubles), so two spellings of the same double are one.
 */
public final class CacheKey {
  /**
   * Body fields that do not change the answer: {@code user} and {@code safety_identifier} identify the end user
   * for the provider's abuse monitoring, {@code metadata} tags a stored completion. {@code model} and
   * {@code stream} are keyed separately (as resolved). {@code stream_options} is kept: {@code include_usage} decides
   * whether the stream has a usage chunk, and other options change the chunks themselves.
   */
  static final Set<String> IGNORED = Set.of("user", "safety_identifier", "metadata", "model", "stream");
  private static final HexFormat HEX = HexFormat.of();

  private CacheKey() {
  }

  /** The key of a request in a namespace: 64 hex digits. */
  public static String of(String namespace, GatewayRequest request, Route route) {
    StringBuilder sb = new StringBuilder(request.rawBody().length() + 128);
    sb.append("switchboard-cache-v1\n");
    appendString(sb, namespace);
    sb.append('\n').append(request.endpoint().label()).append('\n').append(request.stream()).append('\n');
    appendString(sb, resolvedModel(route));
    sb.append('\n');
    appendString(sb, request.pinnedProvider() == null ? "" : request.pinnedProvider().trim());
    sb.append('\n');
    canonicalObject(request.body(), sb, true);
    return sha256(sb);
  }

  /** The requested name with every target it routes to, in order. */
  static String resolvedModel(Route route) {
    StringBuilder sb = new StringBuilder(route.requestedModel());
    sb.append(route.alias() ? " alias ->" : " ->");
    for (Target t : route.targets()) {
      sb.append(' ').append(t.provider().id()).append('/').append(t.model());
    }
    return sb.toString();
  }

  /** The canonical JSON text of a value, as hashed (for tests and debugging). */
  static String canonical(Object value) {
    StringBuilder sb = new StringBuilder();
    canonicalValue(value, sb);
    return sb.toString();
  }

  private static void canonicalValue(Object value, StringBuilder sb) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof JsonObject o) {
      canonicalObject(o, sb, false);
    } else if (value instanceof Map<?, ?> m) {
      canonicalObject(new JsonObject(castMap(m)), sb, false);
    } else if (value instanceof JsonArray a) {
      sb.append('[');
      for (int i = 0; i < a.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        canonicalValue(a.getValue(i), sb);
      }
      sb.append(']');
    } else if (value instanceof List<?> l) {
      canonicalValue(new JsonArray(new ArrayList<>(l)), sb);
    } else if (value instanceof String s) {
      appendString(sb, s);
    } else if (value instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (value instanceof Number n) {
      sb.append(number(n));
    } else {
      appendString(sb, value.toString());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private static void canonicalObject(JsonObject o, StringBuilder sb, boolean top) {
    List<String> keys = new ArrayList<>(o.fieldNames());
    Collections.sort(keys);
    sb.append('{');
    boolean first = true;
    for (String k : keys) {
      if (top && IGNORED.contains(k)) {
        continue;
      }
      if (!first) {
        sb.append(',');
      }
      first = false;
      appendString(sb, k);
      sb.append(':');
      canonicalValue(o.getValue(k), sb);
    }
    sb.append('}');
  }

  /**
   * One text per numeric value: the unscaled digits without trailing zeros and the power of ten, so 1, 1.0, 1e0
   * and 1.00 all read "1", 0.5 and 5e-1 read "5e-1", and 100 reads "1e2". Non-finite doubles keep their names.
   */
  static String number(Number n) {
    BigDecimal d;
    if (n instanceof Double || n instanceof Float) {
      double v = n.doubleValue();
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return Double.toString(v);
      }
      d = BigDecimal.valueOf(v);
    } else if (n instanceof BigDecimal b) {
      d = b;
    } else if (n instanceof BigInteger b) {
      d = new BigDecimal(b);
    } else {
      d = BigDecimal.valueOf(n.longValue());
    }
    if (d.signum() == 0) {
      return "0";
    }
    d = d.stripTrailingZeros();
    int exponent = -d.scale();
    String digits = d.unscaledValue().toString();
    return exponent == 0 ? digits : digits + "e" + exponent;
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }

  private static String sha256(CharSequence text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HEX.formatHex(md.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
