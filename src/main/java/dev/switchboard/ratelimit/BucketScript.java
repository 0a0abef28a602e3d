package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared bucket's Lua script and its wire: the arguments one call sends (limits, this instance's lease and its
 * report, the operations), what the answer means (a triple per operation, then the lease), and running it by SHA
 * once Redis has loaded it. Why the script keeps the limit across instances is told at {@link #SCRIPT}.
 * Thread-safe: the only state is the loaded script's SHA, a volatile that any caller may reset.
 */
final class BucketScript {
  /**
   * KEYS[1]: the bucket hash: the shared pool {r, t, ts} and, per instance id, its lease {lr:id, lt:id, lx:id (expiry,
   * Redis ms)} and the running totals it reported {ur:id, ut:id (spent from the lease), br:id, bt:id (given back)}.
   * ARGV: burst_r, rate_r (per ms), burst_t, rate_t, instance id, lease ttl (ms), lease cap_r, cap_t (the most this
   * instance may hold), floor_r, floor_t (leases grow only while the pool keeps this much), spent_r, spent_t,
   * returned_r, returned_t (running totals); then one triple per operation, applied in order: mode (t take, a adjust,
   * c clamp, n none), cost_r, cost_t. Returns a triple per operation (requests_left and tokens_left of the pool after
   * it, floats as strings, and for a take 0 when admitted or the ms until it would be), then this instance's lease
   * {lease_r, lease_t} and what it should give back {advise_r, advise_t}.
   *
   * <p>Why the instances together never admit more than the bucket: the pool is capped at burst minus every live
   * lease, so pool + leases never exceed the burst (plus refill, which only ever fills the pool up to that cap); a
   * take comes out of the pool, a lease grows only out of the pool, and a holder admits only out of its lease. An
   * expired lease is dropped, never returned to the pool — its holder may have spent it while cut off from Redis —
   * and only refill restores that capacity. Spent and given-back totals apply once (by difference to the last total
   * seen), so a retried or late call cannot apply them twice.
   */
  static final String SCRIPT = """
      local burst_r = tonumber(ARGV[1]); local rate_r = tonumber(ARGV[2])
      local burst_t = tonumber(ARGV[3]); local rate_t = tonumber(ARGV[4])
      local function str(x) return string.format('%.17g', x) end
      local me = ARGV[5]; local ttl = tonumber(ARGV[6])
      local cap_r = tonumber(ARGV[7]); local cap_t = tonumber(ARGV[8])
      local floor_r = tonumber(ARGV[9]); local floor_t = tonumber(ARGV[10])
      if rate_r <= 0 then cap_r = 0 end
      if rate_t <= 0 then cap_t = 0 end
      local now_t = redis.call('TIME')
      local now = tonumber(now_t[1]) * 1000 + tonumber(now_t[2]) / 1000
      local h = redis.call('HGETALL', KEYS[1])
      local f = {}
      for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
      local r = tonumber(f['r']); local t = tonumber(f['t']); local ts = tonumber(f['ts'])
      if ts == nil then r = burst_r; t = burst_t; ts = now end
      local sum_r = 0; local sum_t = 0
      for k, v in pairs(f) do
        if string.sub(k, 1, 3) == 'lx:' then
          local who = string.sub(k, 4); local x = tonumber(v)
          if x <= now then
            if f['lr:' .. who] then redis.call('HDEL', KEYS[1], 'lr:' .. who, 'lt:' .. who) end
            if x + 10 * ttl <= now then
              redis.call('HDEL', KEYS[1], k, 'ur:' .. who, 'ut:' .. who, 'br:' .. who, 'bt:' .. who)
            end
          else
            sum_r = sum_r + (tonumber(f['lr:' .. who]) or 0); sum_t = sum_t + (tonumber(f['lt:' .. who]) or 0)
          end
        end
      end
      local lr = 0; local lt = 0
      local x_me = tonumber(f['lx:' .. me])
      if x_me ~= nil and x_me > now then lr = tonumber(f['lr:' .. me]) or 0; lt = tonumber(f['lt:' .. me]) or 0 end
      local elapsed = math.max(0, now - ts)
      if rate_r > 0 then r = math.min(burst_r - sum_r, r + elapsed * rate_r) else r = 0 end
      if rate_t > 0 then t = math.min(burst_t - sum_t, t + elapsed * rate_t) else t = 0 end
      local function total(field, reported)
        local seen = tonumber(f[field]) or 0
        if reported > seen then return reported - seen, reported end
        return 0, seen
      end
      local d; local ur; local ut; local br; local bt
      d, ur = total('ur:' .. me, tonumber(ARGV[11])); d = math.min(d, lr); lr = lr - d; sum_r = sum_r - d
      d, ut = total('ut:' .. me, tonumber(ARGV[12])); d = math.min(d, lt); lt = lt - d; sum_t = sum_t - d
      d, br = total('br:' .. me, tonumber(ARGV[13])); d = math.min(d, lr); lr = lr - d; sum_r = sum_r - d; r = r + d
      d, bt = total('bt:' .. me, tonumber(ARGV[14])); d = math.min(d, lt); lt = lt - d; sum_t = sum_t - d; t = t + d
      local out = {}
      for i = 15, #ARGV, 3 do
        local mode = ARGV[i]; local cost_r = tonumber(ARGV[i + 1]); local cost_t = tonumber(ARGV[i + 2])
        local wait = 0
        if mode == 't' then
          if rate_r > 0 and r < 1 then wait = math.max(wait, (1 - r) / rate_r) end
          if rate_t > 0 and t < cost_t and t < burst_t - sum_t then
            wait = math.max(wait, (math.min(cost_t, burst_t - sum_t) - t) / rate_t)
          end
          if wait == 0 then
            if rate_r > 0 then r = r - 1 end
            if rate_t > 0 then t = t - cost_t end
          end
        elseif mode == 'a' then
          if rate_r > 0 then r = math.min(burst_r - sum_r, r + cost_r) end
          if rate_t > 0 then t = math.min(burst_t - sum_t, t + cost_t) end
        elseif mode == 'c' then
          if cost_r >= 0 and cost_r < r then r = cost_r end
          if cost_t >= 0 and cost_t < t then t = cost_t end
        end
        out[#out + 1] = str(r); out[#out + 1] = str(t); out[#out + 1] = math.ceil(wait)
      end
      local adv_r = 0; local adv_t = 0
      if lr < cap_r and r > floor_r then
        local g = math.min(cap_r - lr, r - floor_r); r = r - g; lr = lr + g
      elseif lr > 0 and r < floor_r / 2 then adv_r = lr
      elseif lr > cap_r then adv_r = lr - cap_r end
      if lt < cap_t and t > floor_t then
        local g = math.min(cap_t - lt, t - floor_t); t = t - g; lt = lt + g
      elseif lt > 0 and t < floor_t / 2 then adv_t = lt
      elseif lt > cap_t then adv_t = lt - cap_t end
      -- Rounding leaves crumbs (5 - 10/3 - 5/3): a crumb of lease is dropped, a crumb of advice not sent.
      if lr < 1e-6 then lr = 0 end
      if lt < 1e-6 then lt = 0 end
      if adv_r < 1e-6 then adv_r = 0 end
      if adv_t < 1e-6 then adv_t = 0 end
      redis.call('HSET', KEYS[1], 'r', str(r), 't', str(t), 'ts', str(now),
        'lr:' .. me, str(lr), 'lt:' .. me, str(lt), 'lx:' .. me, str(now + ttl),
        'ur:' .. me, str(ur), 'ut:' .. me, str(ut), 'br:' .. me, str(br), 'bt:' .. me, str(bt))
      local full_r = 0; local full_t = 0
      if rate_r > 0 then full_r = burst_r / rate_r end
      if rate_t > 0 then full_t = burst_t / rate_t end
      redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(full_r, full_t, 10 * ttl)) + 60000)
      out[#out + 1] = str(lr); out[#out + 1] = str(lt)
      out[#out + 1] = str(adv_r); out[#out + 1] = str(adv_t)
      return out
      """;

  private final RateLimitConfig config;
  private final GatewayMetrics metrics;
  private volatile String sha;

  BucketScript(RateLimitConfig config, GatewayMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  /** Redis answered {@code SCRIPT LOAD}: calls go by SHA from now on. */
  void loaded(Response sha) {
    this.sha = sha.toString();
  }

  /**
   * ARGV for one call: the bucket's limits, this instance's lease terms ({@code fraction} of the burst divided by the
   * {@code instances} live), the lease's report, then one triple per operation.
   */
  List<String> arguments(Limits limits, String instanceId, double fraction, int instances, Lease.Report report,
                         List<BucketBatcher.Op> ops) {
    List<String> args = new ArrayList<>(14 + ops.size() * 3);
    args.add(String.valueOf(limits.burstRequests()));
    args.add(String.valueOf(limits.rpm() / 60_000.0));
    args.add(String.valueOf(limits.burstTokens()));
    args.add(String.valueOf(limits.tpm() / 60_000.0));
    args.add(instanceId);
    args.add(String.valueOf(Math.max(1, config.leaseTtl().toMillis())));
    args.add(String.valueOf(fraction * limits.burstRequests() / instances));
    args.add(String.valueOf(fraction * limits.burstTokens() / instances));
    args.add(String.valueOf(config.leaseFraction() * limits.burstRequests()));
    args.add(String.valueOf(config.leaseFraction() * limits.burstTokens()));
    args.add(String.valueOf(report.spentRequests()));
    args.add(String.valueOf(report.spentTokens()));
    args.add(String.valueOf(report.returnedRequests()));
    args.add(String.valueOf(report.returnedTokens()));
    for (BucketBatcher.Op op : ops) {
      args.add(op.mode().wire);
      args.add(String.valueOf(op.requests()));
      args.add(String.valueOf(op.tokens()));
    }
    return args;
  }

  /** Runs the script on a bucket: by SHA when loaded, by text (loading it meanwhile) when not or no longer. */
  Future<Response> eval(RedisAPI api, String bucket, List<String> args) {
    metrics.rateLimitRedisCall("bucket");
    String key = config.keyPrefix() + "bucket:" + bucket;
    String s = sha;
    Future<Response> call;
    if (s != null) {
      List<String> cmd = new ArrayList<>(args.size() + 3);
      cmd.add(s);
      cmd.add("1");
      cmd.add(key);
      cmd.addAll(args);
      call = api.evalsha(cmd).recover(err -> {
        // A restarted Redis has forgotten the script.
        if (String.valueOf(err.getMessage()).contains("NOSCRIPT")) {
          sha = null;
          return evalText(api, key, args);
        }
        return Future.failedFuture(err);
      });
    } else {
      call = evalText(api, key, args);
    }
    return call;
  }

  private Future<Response> evalText(RedisAPI api, String key, List<String> args) {
    List<String> cmd = new ArrayList<>(args.size() + 3);
    cmd.add(SCRIPT);
    cmd.add("1");
    cmd.add(key);
    cmd.addAll(args);
    if (sha == null) {
      api.script(List.of("LOAD", SCRIPT)).onSuccess(this::loaded);
    }
    return api.eval(cmd);
  }

  /** The answer for operation {@code i}: the pool after it, and for a take whether it was admitted or the wait. */
  static Buckets.Take outcome(Response answer, int i) {
    double requestsLeft = Double.parseDouble(answer.get(3 * i).toString());
    double tokensLeft = Double.parseDouble(answer.get(3 * i + 1).toString());
    long wait = answer.get(3 * i + 2).toLong();
    return new Buckets.Take(wait == 0, requestsLeft, tokensLeft, wait);
  }

  /** Whether Redis admitted take {@code i} (read from an answer that may have come too late to be used). */
  static boolean admitted(Response answer, int i) {
    return answer.get(3 * i + 2).toLong() == 0;
  }

  /** Teaches the lease what Redis holds for it: the four numbers after the operations' triples. */
  static void teach(Lease lease, Lease.Report report, Response answer, int ops) {
    int at = 3 * ops;
    lease.answered(report, number(answer.get(at)), number(answer.get(at + 1)), number(answer.get(at + 2)),
        number(answer.get(at + 3)));
  }

  private static double number(Response r) {
    return Double.parseDouble(r.toString());
  }
}
