package dev.switchboard.usage;

import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import io.vertx.core.json.JsonObject;

/**
 * Names who a request is for, for the ledger ({@code /admin/costs?groupBy=user}) and the trace: the body's
 * {@code user} (OpenAI), else its {@code metadata.user_id} (Anthropic), else the configured header. Bounded and
 * printable, since it lands in the ledger and the admin API verbatim.
 */
public final class EndUserStage implements RequestStage {
  static final int MAX_LENGTH = 128;

  private final String header;

  /** @param header the client header naming the end user, or null for none */
  public EndUserStage(String header) {
    this.header = header;
  }

  @Override
  public void handle(Exchange exchange) {
    String user = endUser(exchange.request(), header == null ? null : exchange.headers().get(header));
    if (user != null) {
      exchange.reply().books().endUser(user);
    }
    exchange.next();
  }

  /** The end user of a request, or null when it names none (or only an unusable one). */
  static String endUser(GatewayRequest request, String headerValue) {
    String user = null;
    if (request != null) {
      JsonObject body = request.body();
      if (body.getValue("user") instanceof String s) {
        user = s;
      } else if (body.getValue("metadata") instanceof JsonObject m && m.getValue("user_id") instanceof String s) {
        user = s;
      }
    }
    if (user == null || user.isBlank()) {
      user = headerValue;
    }
    return clean(user);
  }

  private static String clean(String user) {
    if (user == null) {
      return null;
    }
    String u = user.strip();
    if (u.length() > MAX_LENGTH) {
      u = u.substring(0, MAX_LENGTH);
    }
    for (int i = 0; i < u.length(); i++) {
      if (Character.isISOControl(u.charAt(i))) {
        return null;
      }
    }
    return u.isEmpty() ? null : u;
  }
}
