package dev.switchboard.admin;

import dev.switchboard.api.ApiError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.function.BinaryOperator;

/**
 * The running config through the admin API, behind its key (mounted after {@link AdminApi}):
 * {@code GET /admin/config}, {@code POST /admin/config/reload}; {@code PUT}/{@code PATCH}/{@code DELETE
 * /admin/providers/:id}, {@code POST /admin/providers/:id/key}; {@code GET /admin/models}, {@code PUT}/{@code PATCH}/
 * {@code DELETE /admin/models/:name}. A body is one entry exactly as in the config file, and it is checked by the
 * file's parser together with the rest of the config: an unknown or bad field is a 400 naming its path
 * ({@code providers.x.base_urll: unknown field}). Changes go to the overlay store and are applied at once.
 */
public final class ConfigAdmin {
  /** Who made a change through the API: the admin API has one key. */
  static final String ADMIN = "admin_key";
  private final ConfigReloads reloads;

  public ConfigAdmin(ConfigReloads reloads) {
    this.reloads = reloads;
  }

  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    router.get("/admin/config").handler(ctx -> AdminApi.json(ctx, 200, reloads.describe()));
    router.post("/admin/config/reload").handler(ctx -> answer(ctx, reloads.reload(ADMIN), 200));
    router.put("/admin/providers/:id").handler(body).handler(ctx -> put(ctx, "providers", "provider"));
    router.patch("/admin/providers/:id").handler(body).handler(ctx -> patch(ctx, "providers", "provider"));
    router.delete("/admin/providers/:id").handler(ctx -> delete(ctx, "providers", "provider"));
    router.post("/admin/providers/:id/key").handler(body).handler(this::rotateKey);
    router.get("/admin/models").handler(ctx -> AdminApi.json(ctx, 200, models()));
    router.put("/admin/models/:name").handler(body).handler(ctx -> put(ctx, "models", "model"));
    router.patch("/admin/models/:name").handler(body).handler(ctx -> patch(ctx, "models", "model"));
    router.delete("/admin/models/:name").handler(ctx -> delete(ctx, "models", "model"));
  }

  private static String name(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    return id != null ? id : ctx.pathParam("name");
  }

  private JsonObject models() {
    JsonObject config = reloads.describe().getJsonObject("config");
    JsonObject models = config == null ? null : config.getJsonObject("models");
    return new JsonObject().put("models", models == null ? new JsonObject() : models);
  }

  /** Adds or replaces the entry whole. */
  private void put(RoutingContext ctx, String section, String what) {
    JsonObject entry = body(ctx);
    if (entry == null) {
      return;
    }
    String name = name(ctx);
    boolean exists = reloads.entry(section, name) != null;
    change(ctx, what + ".put", name, new JsonObject().put("replaced", exists), exists ? 200 : 201,
        (overlay, base) -> ConfigOverlay.put(overlay, section, name, entry));
  }

  /** Changes the given fields of an existing entry (e.g. {@code {"weight": 3}}), keeping the others. */
  private void patch(RoutingContext ctx, String section, String what) {
    JsonObject fields = body(ctx);
    if (fields == null) {
      return;
    }
    String name = name(ctx);
    JsonObject entry = reloads.entry(section, name);
    if (entry == null) {
      notFound(ctx, what, name);
      return;
    }
    JsonObject redacted = ConfigRedaction.redact(new JsonObject().put(name, fields)).getJsonObject(name);
    change(ctx, what + ".patch", name, new JsonObject().put("fields", redacted), 200,
        (overlay, base) -> ConfigOverlay.put(overlay, section, name,
            latest(overlay, base, section, name, entry).copy().mergeIn(fields)));
  }

  private void delete(RoutingContext ctx, String section, String what) {
    String name = name(ctx);
    if (reloads.entry(section, name) == null) {
      notFound(ctx, what, name);
      return;
    }
    change(ctx, what + ".delete", name, null, 200, (overlay, base) -> ConfigOverlay.remove(overlay, base, section,
        name));
  }

  /** {@code {"api_key": "..."}}: the next attempt on this provider uses the new key; the audit trail never shows it. */
  private void rotateKey(RoutingContext ctx) {
    JsonObject body = body(ctx);
    if (body == null) {
      return;
    }
    String id = ctx.pathParam("id");
    JsonObject entry = reloads.entry("providers", id);
    if (entry == null) {
      notFound(ctx, "provider", id);
      return;
    }
    for (String field : body.fieldNames()) {
      if (!field.equals("api_key")) {
        AdminApi.error(ctx, ApiError.invalid("providers." + id + "." + field + ": unknown field (send only "
            + "{\"api_key\": \"...\"})", field, "unknown_field"));
        return;
      }
    }
    if (!(body.getValue("api_key") instanceof String key) || key.isBlank()) {
      AdminApi.error(ctx, ApiError.invalid("providers." + id + ".api_key: must be the new key, a non-empty string",
          "api_key", "invalid_value"));
      return;
    }
    change(ctx, "provider.key", id, null, 200,
        (overlay, base) -> ConfigOverlay.put(overlay, "providers", id,
            latest(overlay, base, "providers", id, entry).copy().put("api_key", key)));
  }

  /**
   * The entry as the overlay being edited has it (with a shared store, the stored one: another instance may have
   * changed other fields since this one applied it), else as this instance runs it.
   */
  private static JsonObject latest(JsonObject overlay, JsonObject base, String section, String name,
                                   JsonObject running) {
    JsonObject entry = ConfigOverlay.entry(ConfigOverlay.merge(base, overlay), section, name);
    return entry == null ? running : entry;
  }

  private void change(RoutingContext ctx, String action, String target, JsonObject detail, int okStatus,
                      BinaryOperator<JsonObject> edit) {
    answer(ctx, reloads.change(ADMIN, action, target, detail, edit), okStatus);
  }

  private static void answer(RoutingContext ctx, Future<ConfigReloads.Outcome> outcome, int okStatus) {
    outcome.onSuccess(o -> {
      if (o.ok()) {
        AdminApi.json(ctx, okStatus, o.toJson());
      } else if (o.result().equals("invalid")) {
        ApiError e = ConfigProblems.error(o.problems(), "The config is not valid; the running config is kept: ");
        ctx.response().setStatusCode(e.status()).putHeader("content-type", "application/json")
            .end(e.toJson().put("problems", o.toJson().getJsonArray("problems")).encode());
      } else {
        AdminApi.error(ctx, new ApiError(409, ApiError.INVALID_REQUEST, String.join("; ", o.problems()), null,
            "config_not_changed"));
      }
    }).onFailure(err -> AdminApi.error(ctx, ApiError.server("The config change failed: " + err.getMessage())));
  }

  private static JsonObject body(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      AdminApi.error(ctx, ApiError.invalid("Send a JSON object: one entry as in the config file.", null,
          "invalid_json"));
    }
    return body;
  }

  private static void notFound(RoutingContext ctx, String what, String name) {
    AdminApi.error(ctx, new ApiError(404, ApiError.INVALID_REQUEST, "No " + what + " '" + name + "' in the running "
        + "config.", what.equals("provider") ? "id" : "name", what + "_not_found"));
  }
}
