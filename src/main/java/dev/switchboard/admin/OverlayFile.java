package dev.switchboard.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/**
 * The overlay in a local JSON file ({@code config.overlay}), written whole to a temporary file and moved over the old
 * one, so a crash leaves the old overlay or the new one, never half of one. It may hold provider keys: it is created
 * readable by its owner only, like a file of secrets should be.
 */
public final class OverlayFile implements OverlayStore {
  private final Vertx vertx;
  private final Path file;

  public OverlayFile(Vertx vertx, Path file) {
    this.vertx = vertx;
    this.file = file;
  }

  @Override
  public Future<JsonObject> load() {
    String path = file.toString();
    return vertx.fileSystem().exists(path).compose(exists -> !exists ? Future.succeededFuture(new JsonObject())
        : vertx.fileSystem().readFile(path).map(b -> b.length() == 0 ? new JsonObject() : new JsonObject(b)));
  }

  @Override
  public Future<Void> save(JsonObject overlay) {
    String path = file.toString();
    String tmp = path + ".tmp";
    Path dir = file.toAbsolutePath().getParent();
    return vertx.fileSystem().mkdirs(dir.toString())
        .compose(v -> vertx.fileSystem().open(tmp, new OpenOptions().setWrite(true).setCreate(true)
            .setTruncateExisting(true).setPerms("rw-------")))
        .compose(f -> f.write(Buffer.buffer(overlay.encodePrettily())).compose(v -> f.flush()).eventually(f::close))
        .compose(v -> vertx.fileSystem().move(tmp, path, new io.vertx.core.file.CopyOptions().setReplaceExisting(true)
            .setAtomicMove(true)));
  }

  @Override
  public String describe() {
    return "file " + file;
  }
}
