package dev.switchboard.usage;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The two Lua scripts of shared budget reservations, each one atomic round trip. Per budget window three keys: the
 * window's spend ({@code spend:}, the counter {@link SharedSpend} has always kept), a hash of the holds of requests in
 * flight (request id to amount, plus their running {@code _sum}) and a sorted set of the holds' expiry times, so a
 * hold of an instance that crashed lapses by itself. Holds that expired are swept by the next reservation.
 */
final class HoldScripts {
  /**
   * ARGV: now (ms), expiry of this hold (ms), request id, amount, key ttl (ms), then one limit per window. Answers
   * {0} when held in every window, else {window (1-based), spent, held} of the first that refused. The rule is
   * {@link LocalHolds#fits}: a window with nothing held admits while budget is left; otherwise spent + held + amount
   * must fit.
   */
  static final String RESERVE = """
      local now = tonumber(ARGV[1])
      local amount = tonumber(ARGV[4])
      local n = #KEYS / 3
      for i = 1, n do
        local hk, zk = KEYS[3 * i - 1], KEYS[3 * i]
        local gone = redis.call('ZRANGEBYSCORE', zk, '-inf', now)
        for _, id in ipairs(gone) do
          local a = redis.call('HGET', hk, id)
          if a then
            redis.call('HINCRBYFLOAT', hk, '_sum', -tonumber(a))
            redis.call('HDEL', hk, id)
          end
        end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', zk, '-inf', now) end
        if redis.call('ZCARD', zk) == 0 then redis.call('HDEL', hk, '_sum') end
        local spent = tonumber(redis.call('GET', KEYS[3 * i - 2]) or '0')
        local held = tonumber(redis.call('HGET', hk, '_sum') or '0')
        local limit = tonumber(ARGV[5 + i])
        if not (spent < limit and (held <= 0 or spent + held + amount <= limit + 1e-12)) then
          return {i, tostring(spent), tostring(held)}
        end
      end
      for i = 1, n do
        local hk, zk = KEYS[3 * i - 1], KEYS[3 * i]
        redis.call('HSET', hk, ARGV[3], ARGV[4])
        redis.call('HINCRBYFLOAT', hk, '_sum', amount)
        redis.call('ZADD', zk, ARGV[2], ARGV[3])
        redis.call('PEXPIRE', hk, ARGV[5])
        redis.call('PEXPIRE', zk, ARGV[5])
      end
      return {0}
      """;

  /**
   * ARGV: request id, actual cost, then one spend ttl (s) per window. Releases the hold (if it has not lapsed) and
   * adds the actual cost to each window's spend; answers each window's new spend.
   */
  static final String SETTLE = """
      local out = {}
      local n = #KEYS / 3
      for i = 1, n do
        local hk, zk = KEYS[3 * i - 1], KEYS[3 * i]
        local a = redis.call('HGET', hk, ARGV[1])
        if a then
          redis.call('HDEL', hk, ARGV[1])
          redis.call('ZREM', zk, ARGV[1])
          if redis.call('ZCARD', zk) == 0 then
            redis.call('HDEL', hk, '_sum')
          else
            redis.call('HINCRBYFLOAT', hk, '_sum', -tonumber(a))
          end
        end
        out[i] = redis.call('INCRBYFLOAT', KEYS[3 * i - 2], ARGV[2])
        redis.call('EXPIRE', KEYS[3 * i - 2], ARGV[2 + i])
      end
      return out
      """;

  private final String text;
  private volatile String sha;

  HoldScripts(String text) {
    this.text = text;
  }

  /** Runs the script by its digest once Redis knows it, by its text until then or after Redis forgot it. */
  Future<Response> eval(RedisAPI api, List<String> keys, List<String> args) {
    String s = sha;
    if (s != null) {
      return api.evalsha(command(s, keys, args)).recover(err -> {
        if (String.valueOf(err.getMessage()).contains("NOSCRIPT")) {
          sha = null;
          return evalText(api, keys, args);
        }
        return Future.failedFuture(err);
      });
    }
    return evalText(api, keys, args);
  }

  private Future<Response> evalText(RedisAPI api, List<String> keys, List<String> args) {
    if (sha == null) {
      api.script(List.of("LOAD", text)).onSuccess(r -> sha = r.toString());
    }
    return api.eval(command(text, keys, args));
  }

  private static List<String> command(String head, List<String> keys, List<String> args) {
    List<String> cmd = new ArrayList<>(keys.size() + args.size() + 2);
    cmd.add(head);
    cmd.add(Integer.toString(keys.size()));
    cmd.addAll(keys);
    cmd.addAll(args);
    return cmd;
  }
}
