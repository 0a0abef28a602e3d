#!/usr/bin/env bash
# Switchboard load benchmark: fake upstream vs. gateway, JSON and SSE, on loopback with wrk.
#
#   bench/run.sh                      # from the repository root (or anywhere; it cd's there)
#   CONNECTIONS=100 DURATION=30s bench/run.sh
#
# Environment (defaults):
#   CONNECTIONS=50  THREADS=2  DURATION=15s  WARMUP=10s
#   UPSTREAM_INSTANCES=0 (0 = one per core)  STREAM_CHUNKS=10
#   JAVA_OPTS=""  (extra JVM options for the gateway)   UPSTREAM_JAVA_OPTS=""
#   KEEP_LOGS=0   (1 = keep the temp directory with logs and raw wrk output)
#   TRACING=off   (a ratio such as 1.0 or 0.01 = OpenTelemetry tracing on at that sampling ratio, exported to the
#                 fake upstream's OTLP sink)
#   FRONT_ENDS=0  (1 = also measure the OpenAI Responses and Anthropic Messages front ends through the gateway,
#                  translated to chat and passed through natively: native_responses, native_messages)
#
# Ports are fixed: 9100 (fake upstream) and 8080 (gateway, from bench/switchboard-bench.yaml); both must be free.
set -euo pipefail

CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
UPSTREAM_INSTANCES="${UPSTREAM_INSTANCES:-0}"
STREAM_CHUNKS="${STREAM_CHUNKS:-10}"
JAVA_OPTS="${JAVA_OPTS:-}"
UPSTREAM_JAVA_OPTS="${UPSTREAM_JAVA_OPTS:-}"
KEEP_LOGS="${KEEP_LOGS:-0}"
FRONT_ENDS="${FRONT_ENDS:-0}"
TRACING="${TRACING:-off}"
# Saturated runs measure mostly queueing; the light-load cases show the latency the gateway itself adds.
LIGHT_CONNECTIONS="${LIGHT_CONNECTIONS:-4}"

UPSTREAM_PORT=9100
GATEWAY_PORT=8080
UPSTREAM="http://127.0.0.1:${UPSTREAM_PORT}"
GATEWAY="http://127.0.0.1:${GATEWAY_PORT}"
CHAT_PATH="/v1/chat/completions"

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
JAR="$ROOT/target/switchboard.jar"
BENCH="$ROOT/bench"

WORK="$(mktemp -d /tmp/switchboard-bench.XXXXXX)"
PIDS=()

log() { printf '[bench] %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  # bounded wait, then force
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${PIDS[@]:-}"; do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$KEEP_LOGS" = 1 ] || [ "$rc" != 0 ]; then
    log "logs and raw wrk output kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# seconds in a wrk duration (15s, 2m, 1h, or a bare number of seconds)
secs() {
  local d="$1"
  case "$d" in
    *s) echo "${d%s}" ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *h) echo $(( ${d%h} * 3600 )) ;;
    *)  echo "$d" ;;
  esac
}

# ---------------------------------------------------------------- prerequisites
for tool in curl java; do
  command -v "$tool" >/dev/null || { log "missing required tool: $tool"; exit 1; }
done
if ! command -v wrk >/dev/null; then
  log "installing wrk (apt-get install -y wrk)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if ! $SUDO apt-get install -y wrk >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y wrk >/dev/null
  fi
fi
if [ ! -f "$JAR" ]; then
  log "building $JAR (mvn -q -DskipTests package)"
  mvn -q -DskipTests package
fi
read -r LOAD1 _ < /proc/loadavg
if awk -v l="$LOAD1" 'BEGIN { exit !(l > 1.0) }'; then
  log "WARNING: 1-minute load average is $LOAD1 before start: other work on this machine will skew the numbers"
fi
for port in "$UPSTREAM_PORT" "$GATEWAY_PORT"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    log "port $port is already in use on 127.0.0.1; stop whatever listens there first"
    exit 1
  fi
done

# true while PID runs (a dead, not yet reaped child is a zombie: kill -0 would still succeed)
is_alive() {
  local st
  st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ "$st" != Z* ]]
}

# wait_health NAME URL MAX_SECONDS PID
wait_health() {
  local name="$1" url="$2" max="$3" pid="$4" i code
  for i in $(seq 1 $(( max * 4 ))); do
    if ! is_alive "$pid"; then
      log "$name exited during start-up; its log:"
      cat "$WORK/$name.log" >&2 || true
      exit 1
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)"
    [ "$code" = 200 ] && { log "$name is up ($url)"; return 0; }
    sleep 0.25
  done
  log "$name did not answer 200 on $url within ${max}s; its log:"
  cat "$WORK/$name.log" >&2 || true
  exit 1
}

# ---------------------------------------------------------------- start processes
log "starting fake upstream on $UPSTREAM"
# shellcheck disable=SC2086
java $UPSTREAM_JAVA_OPTS -cp "$JAR" "$BENCH/FakeUpstream.java" --port "$UPSTREAM_PORT" \
  --instances "$UPSTREAM_INSTANCES" --stream-chunks "$STREAM_CHUNKS" >"$WORK/upstream.log" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
wait_health upstream "$UPSTREAM/health" 60 "${PIDS[-1]}"

log "starting gateway on $GATEWAY (tracing: $TRACING)"
if [ "$TRACING" = off ]; then
  unset OTEL_EXPORTER_OTLP_ENDPOINT
else
  export OTEL_EXPORTER_OTLP_ENDPOINT="$UPSTREAM" BENCH_TRACE_RATIO="$TRACING"
fi
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" -c "$BENCH/switchboard-bench.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_health gateway "$GATEWAY/health" 60 "${PIDS[-1]}"

# ---------------------------------------------------------------- sanity checks
check() {
  local name="$1" base="$2" body="$3" stream="$4" out="$WORK/check-$1.txt" code
  code="$(curl -s -o "$out" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -d "$body" "$base$CHAT_PATH" || true)"
  if [ "$code" != 200 ]; then
    log "sanity check $name: HTTP $code, body:"; head -c 2000 "$out" >&2; echo >&2; exit 1
  fi
  if [ "$stream" = 1 ]; then
    local events; events="$(grep -c '^data: ' "$out" || true)"
    if ! grep -q '^data: \[DONE\]' "$out"; then
      log "sanity check $name: SSE stream has no [DONE]:"; head -c 2000 "$out" >&2; exit 1
    fi
    log "sanity check $name: 200, $events SSE events, ends with [DONE]"
  else
    log "sanity check $name: 200, $(wc -c <"$out") bytes"
  fi
}
stream_body='{"model":"bench-model","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'
plain_body='{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
check json-direct  "$UPSTREAM" "$plain_body"  0
check json-gateway "$GATEWAY"  "$plain_body"  0
check sse-direct   "$UPSTREAM" "$stream_body" 1
check sse-gateway  "$GATEWAY"  "$stream_body" 1

# ---------------------------------------------------------------- wrk
run_wrk() { # NAME DURATION SCRIPT URL [CONNECTIONS]
  local name="$1" dur="$2" script="$3" url="$4" conns="${5:-$CONNECTIONS}" limit threads="$THREADS"
  [ "$threads" -gt "$conns" ] && threads="$conns"
  limit=$(( $(secs "$dur") + 60 ))
  # run in the background and `wait`, so INT/TERM are handled at once (cleanup also kills wrk)
  local cpu_before; cpu_before="$(cpu_ticks "$GATEWAY_PID")"
  timeout "$limit" wrk -t"$threads" -c"$conns" -d"$dur" --latency -s "$script" "$url" >"$WORK/$name.txt" 2>&1 &
  local pid=$! rc=0
  PIDS+=("$pid")
  wait "$pid" || rc=$?
  unset 'PIDS[-1]'
  # The gateway's CPU time (all threads, user + system) spent during the case, for the CPU µs/request column.
  echo $(( $(cpu_ticks "$GATEWAY_PID") - cpu_before )) >"$WORK/$name.cpu"
  alive_check "after $name"
  if [ "$rc" != 0 ]; then
    log "wrk $name failed (rc=$rc):"; cat "$WORK/$name.txt" >&2; exit 1
  fi
}

# utime + stime of a process in clock ticks (/proc/PID/stat fields 14 and 15; the name in field 2 may hold spaces)
cpu_ticks() {
  local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo $(( ${12} + ${13} ))
}

# the upstream and the gateway must survive every case; report (with log tail) if one died
alive_check() {
  local what="$1"
  if ! is_alive "$UPSTREAM_PID"; then
    log "fake upstream (pid $UPSTREAM_PID) is gone $what; log tail:"; tail -20 "$WORK/upstream.log" >&2; exit 1
  fi
  if ! is_alive "$GATEWAY_PID"; then
    local grc=0; wait "$GATEWAY_PID" 2>/dev/null || grc=$?
    log "gateway (pid $GATEWAY_PID) is gone $what (exit status $grc); log tail:"; tail -40 "$WORK/gateway.log" >&2; exit 1
  fi
}

log "warm-up: ${WARMUP} per case (JIT, connection pools)"
run_wrk warm-json-direct   "$WARMUP" "$BENCH/chat.lua"        "$UPSTREAM$CHAT_PATH"
run_wrk warm-json-gateway  "$WARMUP" "$BENCH/chat.lua"        "$GATEWAY$CHAT_PATH"
run_wrk warm-sse-direct    "$WARMUP" "$BENCH/chat-stream.lua" "$UPSTREAM$CHAT_PATH"
run_wrk warm-sse-gateway   "$WARMUP" "$BENCH/chat-stream.lua" "$GATEWAY$CHAT_PATH"

CASES=(json-direct json-gateway sse-direct sse-gateway)
log "measuring: ${DURATION} per case, ${CONNECTIONS} connections, ${THREADS} wrk threads"
run_wrk json-direct  "$DURATION" "$BENCH/chat.lua"        "$UPSTREAM$CHAT_PATH"
run_wrk json-gateway "$DURATION" "$BENCH/chat.lua"        "$GATEWAY$CHAT_PATH"
run_wrk sse-direct   "$DURATION" "$BENCH/chat-stream.lua" "$UPSTREAM$CHAT_PATH"
run_wrk sse-gateway  "$DURATION" "$BENCH/chat-stream.lua" "$GATEWAY$CHAT_PATH"
LIGHT_CASES=(json-direct-light json-gateway-light sse-direct-light sse-gateway-light)
log "light load: ${DURATION} per case, ${LIGHT_CONNECTIONS} connections"
run_wrk json-direct-light  "$DURATION" "$BENCH/chat.lua"        "$UPSTREAM$CHAT_PATH" "$LIGHT_CONNECTIONS"
run_wrk json-gateway-light "$DURATION" "$BENCH/chat.lua"        "$GATEWAY$CHAT_PATH"  "$LIGHT_CONNECTIONS"
run_wrk sse-direct-light   "$DURATION" "$BENCH/chat-stream.lua" "$UPSTREAM$CHAT_PATH" "$LIGHT_CONNECTIONS"
run_wrk sse-gateway-light  "$DURATION" "$BENCH/chat-stream.lua" "$GATEWAY$CHAT_PATH"  "$LIGHT_CONNECTIONS"
CASES+=("${LIGHT_CASES[@]}")
FRONT_CASES=()
if [ "$FRONT_ENDS" = 1 ]; then
  log "front ends: ${DURATION} per case, ${CONNECTIONS} and ${LIGHT_CONNECTIONS} connections"
  # native_*: the same front ends to targets that speak their API (Anthropic; responses: true), relayed as they come
  for fe in responses messages native_responses native_messages; do
    path="/v1/${fe#native_}"
    run_wrk "warm-$fe-json" "$WARMUP" "$BENCH/$fe.lua" "$GATEWAY$path"
    run_wrk "warm-$fe-sse" "$WARMUP" "$BENCH/$fe-stream.lua" "$GATEWAY$path"
    run_wrk "$fe-json"        "$DURATION" "$BENCH/$fe.lua"        "$GATEWAY$path"
    run_wrk "$fe-sse"         "$DURATION" "$BENCH/$fe-stream.lua" "$GATEWAY$path"
    run_wrk "$fe-json-light"  "$DURATION" "$BENCH/$fe.lua"        "$GATEWAY$path" "$LIGHT_CONNECTIONS"
    run_wrk "$fe-sse-light"   "$DURATION" "$BENCH/$fe-stream.lua" "$GATEWAY$path" "$LIGHT_CONNECTIONS"
    FRONT_CASES+=("$fe-json" "$fe-sse" "$fe-json-light" "$fe-sse-light")
  done
  CASES+=("${FRONT_CASES[@]}")
fi

for c in "${CASES[@]}"; do
  echo "===== $c"
  cat "$WORK/$c.txt"
done
echo

# ---------------------------------------------------------------- summary
# wrk latency value (e.g. 812.00us, 1.23ms, 1.01s, 2.00m) -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000
    printf "%.3f", n }'
}
declare -A RPS P50 P99 ERR CPU
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
for c in "${CASES[@]}"; do
  f="$WORK/$c.txt"
  reqs="$(awk '/requests in/ {print $1}' "$f")"
  CPU[$c]="$(awk -v t="$(cat "$WORK/$c.cpu")" -v n="$reqs" -v us="$TICK_US" 'BEGIN { printf "%.0f", (n > 0 ? t * us / n : 0) }')"
  RPS[$c]="$(awk '/^Requests\/sec:/ {print $2}' "$f")"
  P50[$c]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")"
  P99[$c]="$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")"
  non2xx="$(awk -F: '/Non-2xx or 3xx responses/ {gsub(/ /, "", $2); print $2}' "$f")"
  sock="$(sed -n 's/^ *Socket errors: *//p' "$f")"
  e=""
  [ -n "$non2xx" ] && e="non-2xx=$non2xx"
  [ -n "$sock" ] && e="${e:+$e; }socket: $sock"
  ERR[$c]="${e:-none}"
done

echo "Switchboard benchmark  $(date -u +%Y-%m-%dT%H:%MZ)  cores=$(nproc)  connections=$CONNECTIONS threads=$THREADS duration=$DURATION warmup=$WARMUP  tracing=$TRACING  loadavg before=$LOAD1"
printf '%-20s %12s %10s %10s %16s  %s\n' case "req/s" "p50 ms" "p99 ms" "gw CPU us/req" errors
for c in "${CASES[@]}"; do
  cpu="${CPU[$c]}"; [[ "$c" == *direct* ]] && cpu="-"
  printf '%-20s %12.0f %10.2f %10.2f %16s  %s\n' "$c" "${RPS[$c]}" "${P50[$c]}" "${P99[$c]}" "$cpu" "${ERR[$c]}"
done
echo
for k in json sse json-light sse-light; do
  base="${k%-light}"; suffix="${k#$base}"
  awk -v k="$k" -v gr="${RPS[$base-gateway$suffix]}" -v dr="${RPS[$base-direct$suffix]}" \
      -v g50="${P50[$base-gateway$suffix]}" -v d50="${P50[$base-direct$suffix]}" \
      -v g99="${P99[$base-gateway$suffix]}" -v d99="${P99[$base-direct$suffix]}" 'BEGIN {
    printf "%-10s gateway/direct throughput = %.2f   added p50 = %+.2f ms   added p99 = %+.2f ms\n",
      toupper(k), (dr > 0 ? gr / dr : 0), g50 - d50, g99 - d99 }'
done

for c in "${FRONT_CASES[@]}"; do
  fe="${c%%-*}"; rest="${c#*-}"; kind="${rest%-light}"; suffix="${rest#$kind}"
  awk -v c="$c" -v r="${RPS[$c]}" -v cr="${RPS[$kind-gateway$suffix]}" -v p="${P50[$c]}" -v cp="${P50[$kind-gateway$suffix]}" \
      -v q="${P99[$c]}" -v cq="${P99[$kind-gateway$suffix]}" 'BEGIN {
    printf "%-20s vs chat through the gateway: throughput = %.2f   added p50 = %+.2f ms   added p99 = %+.2f ms\n",
      c, (cr > 0 ? r / cr : 0), p - cp, q - cq }'
done

bad=0
for c in "${CASES[@]}"; do [ "${ERR[$c]}" = none ] || bad=1; done
if [ "$bad" = 1 ]; then
  log "WARNING: errors were reported by wrk (see the errors column and the raw output above)"
  KEEP_LOGS=1
fi
if grep -qiE 'exception|error' "$WORK/gateway.log"; then
  log "gateway log mentions errors (first lines):"
  grep -iE 'exception|error' "$WORK/gateway.log" | head -20 >&2
  KEEP_LOGS=1
fi
