#!/usr/bin/env bash
# Abuse: rate limits shared through Redis (issue 13, items 4 and 5).
#
#   bench/abuse/redis.sh            # from anywhere; builds target/switchboard.jar if it is missing
#
# Two gateway instances (each its own port) on one redis-server, a fake upstream (bench/FakeUpstream.java):
#   1. burst: a key limited to 100 requests a minute, 200 requests per instance sent 100 at a time on each;
#      admitted in total must stay within the limit (target <= 102 plus what the bucket refills, 100/min, while the
#      burst runs), also when an instance's Redis calls time out
#      (a loaded machine): it then admits only from its lease. Run it beside a CPU hog to see that case.
#   2. hung Redis: requests/s of a rate-limited key (limit far above the load) with Redis up, then with Redis
#      frozen by SIGSTOP; the limiter must stop asking a hung Redis (target: paused >= half of up), and use
#      Redis again once it is resumed.
# Prints one PASS/FAIL line per check with its figures; exits 1 when any check fails.
#
# Environment (defaults): PER_INSTANCE=200 BURST_CONCURRENCY=100 PHASE_SECONDS=5 RATE_CONCURRENCY=25 KEEP_LOGS=0
set -euo pipefail

PER_INSTANCE="${PER_INSTANCE:-200}"
BURST_CONCURRENCY="${BURST_CONCURRENCY:-100}"
PHASE_SECONDS="${PHASE_SECONDS:-5}"
RATE_CONCURRENCY="${RATE_CONCURRENCY:-25}"
KEEP_LOGS="${KEEP_LOGS:-0}"

cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
JAR="$ROOT/target/switchboard.jar"
WORK="$(mktemp -d /tmp/switchboard-abuse-redis.XXXXXX)"
PIDS=()
REDIS_PID=""
log() { printf '[abuse/redis] %s\n' "$*" >&2; }

cleanup() {
  trap - EXIT INT TERM
  # A stopped Redis ignores SIGTERM until it is continued.
  [ -n "$REDIS_PID" ] && kill -CONT "$REDIS_PID" 2>/dev/null || true
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  if [ "$KEEP_LOGS" = 1 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

if ! command -v redis-server >/dev/null 2>&1; then
  echo "FAIL redis: redis-server is not installed (apt-get install redis-server)"
  exit 1
fi
if [ ! -f "$JAR" ]; then
  log "building $JAR"
  mvn -B -ntp -q -DskipTests package
fi

read -r REDIS_PORT UPSTREAM_PORT PORT_ONE PORT_TWO < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
PY
)

wait_http() { # name url pid
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null --max-time 2 "$2"; then return 0; fi
    kill -0 "$3" 2>/dev/null || { log "$1 exited; log:"; tail -n 40 "$WORK/$1.log" >&2; exit 1; }
    sleep 0.2
  done
  log "$1 did not come up"; exit 1
}

log "redis-server on $REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 1 100); do
  [ "$(printf 'PING\r\n' | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT; cat >&3; head -c 5 <&3" 2>/dev/null)" = "+PONG" ] && break
  sleep 0.1
done

log "fake upstream on $UPSTREAM_PORT"
java -cp "$JAR" "$ROOT/bench/FakeUpstream.java" --port "$UPSTREAM_PORT" --instances 1 >"$WORK/upstream.log" 2>&1 &
PIDS+=("$!")
wait_http upstream "http://127.0.0.1:$UPSTREAM_PORT/health" "$!"

for n in one two; do
  port="$PORT_ONE"; [ "$n" = two ] && port="$PORT_TWO"
  cat >"$WORK/$n.yaml" <<YAML
server: {host: 127.0.0.1, port: $port}
logging: {access_log: false}
health: {enabled: false}
usage: {persist: false}
auth:
  admin_key: abuse-admin-key-0123
  keys:
    - {name: burst, key: sk-abuse-burst, limits: {rpm: 100}}
    - {name: bulk, key: sk-abuse-bulk, limits: {rpm: 10000000}}
ratelimit:
  backend: redis
  redis: {url: "redis://127.0.0.1:$REDIS_PORT", on_failure: open, timeout: 250ms}
providers:
  bench:
    type: openai
    base_url: http://127.0.0.1:$UPSTREAM_PORT/v1
    models: [bench-model]
    max_connections: 200
YAML
  log "gateway $n on $port"
  java -jar "$JAR" -c "$WORK/$n.yaml" >"$WORK/$n.log" 2>&1 &
  PIDS+=("$!")
  wait_http "$n" "http://127.0.0.1:$port/health" "$!"
done

cat >"$WORK/driver.py" <<'PY'
# burst KEY PER_INSTANCE CONCURRENCY PORT...   -> "<200s> <429s> <others> <seconds>"
# rate KEY SECONDS CONCURRENCY PORT...         -> "<answers per second> <200s> <429s> <others>"
import http.client, sys, threading, time
BODY = b'{"model":"bench-model","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
mode, key, amount, conc, ports = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
counts = {}
lock = threading.Lock()
def one(conn):
    conn.request("POST", "/v1/chat/completions", BODY,
                 {"Content-Type": "application/json", "Authorization": "Bearer " + key})
    r = conn.getresponse(); r.read(); return r.status
def worker(port, todo, deadline):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    while True:
        if todo is not None:
            with lock:
                if todo[0] <= 0: break
                todo[0] -= 1
        elif time.monotonic() >= deadline: break
        try: s = one(conn)
        except Exception:
            s = 0; conn.close(); conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        with lock: counts[s] = counts.get(s, 0) + 1
go = []
start = time.monotonic()
for p in ports:
    todo = [int(amount)] if mode == "burst" else None
    for _ in range(conc):
        go.append(threading.Thread(target=worker, args=(p, todo, start + amount)))
for t in go: t.start()
for t in go: t.join()
elapsed = time.monotonic() - start
ok, limited = counts.get(200, 0), counts.get(429, 0)
other = sum(counts.values()) - ok - limited
if mode == "burst": print(ok, limited, other, "%.2f" % elapsed)
else: print("%.0f" % (sum(counts.values()) / elapsed), ok, limited, other)
PY

metric() { # port name [label filter] -> sum of samples
  curl -s --max-time 5 -H "Authorization: Bearer abuse-admin-key-0123" "http://127.0.0.1:$1/metrics" \
    | awk -v n="$2" -v f="${3:-}" '($1 == n || index($1, n "{") == 1) && index($1, f) { s += $2 } END { printf "%d", s + 0 }'
}
FAILED=0
result() { # ok line
  if [ "$1" = 1 ]; then echo "PASS $2"; else echo "FAIL $2"; FAILED=1; fi
}
driver() { python3 "$WORK/driver.py" "$@" "$PORT_ONE" "$PORT_TWO"; }

# ---- 1. burst against a shared 100/min limit
calls_before=$(( $(metric "$PORT_ONE" switchboard_ratelimit_redis_calls_total 'call="bucket"' | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_redis_calls_total 'call="bucket"' | cut -d. -f1) ))
fallback_before=$(( $(metric "$PORT_ONE" switchboard_ratelimit_fallback_total | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_fallback_total | cut -d. -f1) ))
read -r admitted refused other seconds < <(driver burst sk-abuse-burst "$PER_INSTANCE" "$BURST_CONCURRENCY")
# The bucket refills at 100 a minute while the burst runs: that much more is within the limit.
refill=$(python3 -c "import math; print(math.floor(100 * $seconds / 60))")
allowed=$((102 + refill))
burst_fallback=$(( $(metric "$PORT_ONE" switchboard_ratelimit_fallback_total | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_fallback_total | cut -d. -f1) - fallback_before ))
calls_after=$(( $(metric "$PORT_ONE" switchboard_ratelimit_redis_calls_total 'call="bucket"' | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_redis_calls_total 'call="bucket"' | cut -d. -f1) ))
total=$((PER_INSTANCE * 2))
result $([ "$admitted" -le "$allowed" ] && [ "$other" -eq 0 ] && echo 1 || echo 0) \
  "redis burst: admitted $admitted of $total in ${seconds}s (limit 100/min: 100 + $refill refilled meanwhile, target <= $allowed), refused $refused, other $other; $((calls_after - calls_before)) Redis calls for $total takes, $burst_fallback decided locally (leases: Redis timed out)"

# ---- 2. throughput of a limited key with Redis up, then frozen
read -r up_rps up_ok up_limited up_other < <(driver rate sk-abuse-bulk "$PHASE_SECONDS" "$RATE_CONCURRENCY")
fallback_before=$(( $(metric "$PORT_ONE" switchboard_ratelimit_fallback_total | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_fallback_total | cut -d. -f1) ))
kill -STOP "$REDIS_PID"
read -r paused_rps paused_ok paused_limited paused_other < <(driver rate sk-abuse-bulk "$PHASE_SECONDS" "$RATE_CONCURRENCY")
breaker=$(( $(metric "$PORT_ONE" switchboard_ratelimit_breaker_open | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_breaker_open | cut -d. -f1) ))
fallback=$(( $(metric "$PORT_ONE" switchboard_ratelimit_fallback_total | cut -d. -f1) \
  + $(metric "$PORT_TWO" switchboard_ratelimit_fallback_total | cut -d. -f1) - fallback_before ))
kill -CONT "$REDIS_PID"
result $([ "$((paused_rps * 2))" -ge "$up_rps" ] && [ "$paused_other" -eq 0 ] && echo 1 || echo 0) \
  "redis paused: $paused_rps req/s with Redis SIGSTOPped vs $up_rps req/s with it up (target >= half), $paused_ok admitted, other $paused_other; breakers open $breaker/2, $fallback decided locally"

recovered=0
for _ in $(seq 1 100); do
  b=$(( $(metric "$PORT_ONE" switchboard_ratelimit_breaker_open | cut -d. -f1) \
    + $(metric "$PORT_TWO" switchboard_ratelimit_breaker_open | cut -d. -f1) ))
  if [ "$b" = 0 ]; then recovered=1; break; fi
  sleep 0.1
done
before=$(metric "$PORT_ONE" switchboard_ratelimit_redis_calls_total 'call="bucket"')
read -r rec_rps rec_ok _ rec_other < <(driver rate sk-abuse-bulk 1 2)
after=$(metric "$PORT_ONE" switchboard_ratelimit_redis_calls_total 'call="bucket"')
result $([ "$recovered" = 1 ] && [ "${after%.*}" -gt "${before%.*}" ] && [ "$rec_other" -eq 0 ] && echo 1 || echo 0) \
  "redis resumed: breakers closed=$recovered, limits decided by Redis again ($(( ${after%.*} - ${before%.*} )) calls from one instance in 1 s at $rec_rps req/s)"
exit "$FAILED"
