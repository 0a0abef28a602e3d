/*
 * BigUpstream: an OpenAI-compatible upstream whose every non-stream chat reply is one large, valid
 * chat.completion (default 50 MB), for bench/abuse/memory.sh. Single-file Java program for the Java 17 source
 * launcher, on the gateway's shaded jar:
 *
 *   java -cp target/switchboard.jar bench/abuse/BigUpstream.java --port 9201 --size-mb 50 [--chunked]
 *
 * The body is built once at start-up and is the same bytes on every reply, so a client can compare what the
 * gateway delivered byte for byte (GET /expected.sha256 gives its SHA-256). --chunked sends it without a
 * Content-Length, in 64 KB chunks.
 */

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.util.HexFormat;

public class BigUpstream {
  public static void main(String[] args) throws Exception {
    int port = 9201;
    int sizeMb = 50;
    boolean chunked = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--size-mb" -> sizeMb = Integer.parseInt(args[++i]);
        case "--chunked" -> chunked = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    JsonObject shell = new JsonObject().put("id", "chatcmpl-big").put("object", "chat.completion")
        .put("created", 1700000000).put("model", "big-model")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("message", new JsonObject().put("role", "assistant").put("content", "@@"))
            .put("finish_reason", "stop")))
        .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 7).put("total_tokens", 12));
    String text = shell.encode();
    int fill = sizeMb * 1024 * 1024 - (text.length() - 2);
    StringBuilder content = new StringBuilder(fill);
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    for (int i = 0; i < fill; i++) {
      content.append(alphabet.charAt((i * 7 + i / 997) % alphabet.length()));
    }
    Buffer body = Buffer.buffer(text.replace("@@", content));
    content = null;
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes()));
    boolean chunkedReplies = chunked;
    Vertx vertx = Vertx.vertx();
    vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse resp = req.response();
      if (req.path().equals("/expected.sha256")) {
        resp.end(sha);
        return;
      }
      if (req.path().equals("/health")) {
        resp.end("ok");
        return;
      }
      req.body().onSuccess(b -> {
        resp.putHeader("content-type", "application/json");
        if (!chunkedReplies) {
          resp.end(body);
          return;
        }
        resp.setChunked(true);
        for (int at = 0; at < body.length(); at += 64 * 1024) {
          resp.write(body.slice(at, Math.min(body.length(), at + 64 * 1024)));
        }
        resp.end();
      });
    }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    System.out.println("BigUpstream on 127.0.0.1:" + port + ", reply " + body.length() + " bytes, sha256 " + sha
        + (chunked ? ", chunked" : ""));
  }
}
