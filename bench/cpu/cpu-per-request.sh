#!/usr/bin/env bash
# cpu-per-request.sh JAR CONFIG(bench|features) CASE(json|sse) [JFR_FILE]
# CPU microseconds per request of one Switchboard JVM (utime+stime of all its threads from /proc/<pid>/stat,
# over a wrk run, divided by the requests served): the steadiest figure on a shared machine, where req/s is noise.
# Needs the canned nginx upstream on 127.0.0.1:28080 (bench-compare's nginx/upstream.conf with the port changed)
# and wrk. Env: DURATION (10), WARMUP (10), CONNS (50), JAVA_OPTS, LOG (gateway stdout, default /dev/null),
# SB_PORT / SB_DATA_DIR (where the gateway listens and keeps its ledger). Runs are serialised by a lock file.
set -euo pipefail
JAR=$1; CONF=$2; CASE=$3; JFR=${4:-}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WRK="$HERE/../../../shared/bench-compare/wrk"; [ -d "$WRK" ] || WRK=/work/shared/bench-compare/wrk
PORT=${SB_PORT:-$([ "$CONF" = bench ] && echo 28090 || echo 28091)}
DATA=${SB_DATA_DIR:-/tmp/p17bench/$CONF-data-$PORT}
export SB_PORT=$PORT SB_DATA_DIR=$DATA
# One measurement at a time on this machine: a second run waits here instead of sharing the cores with the first.
exec 9>/tmp/cpu-per-request.lock
flock 9
BODY=$([ "$CASE" = json ] && echo chat.json || echo chat-stream.json)
ACCEPT=$([ "$CASE" = json ] && echo application/json || echo text/event-stream)
OPTS="${JAVA_OPTS:-}"
[ -n "$JFR" ] && OPTS="$OPTS -XX:StartFlightRecording=filename=$JFR,settings=profile,delay=${WARMUP:-10}s,duration=${DURATION:-10}s"
rm -rf "$DATA"
java $OPTS -jar "$JAR" -c "$HERE/$CONF.yaml" >"${LOG:-/dev/null}" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
export BENCH_BODY_FILE="$WRK/$BODY" BENCH_ACCEPT="$ACCEPT"
wrk -t2 -c"${CONNS:-50}" -d"${WARMUP:-10}s" -s "$WRK/chat.lua" "http://127.0.0.1:$PORT/v1/chat/completions" >/dev/null
cpu() { awk '{print $14+$15}' "/proc/$PID/stat"; }
T0=$(cpu)
OUT=$(wrk -t2 -c"${CONNS:-50}" -d"${DURATION:-10}s" --latency -s "$WRK/chat.lua" "http://127.0.0.1:$PORT/v1/chat/completions")
T1=$(cpu)
REQ=$(echo "$OUT" | sed -n 's/.*WRK_RESULT requests=\([0-9]*\).*/\1/p')
NON2XX=$(echo "$OUT" | sed -n 's/.*non2xx=\([0-9]*\).*/\1/p')
HZ=$(getconf CLK_TCK)
echo "$CONF $CASE requests=$REQ non2xx=$NON2XX cpu_us_per_req=$(awk -v t=$((T1-T0)) -v r="$REQ" -v hz="$HZ" 'BEGIN{printf "%.1f", t*1e6/hz/r}') $(echo "$OUT" | grep -o 'rps=[0-9.]* .*p99_ms=[0-9.]*' | awk '{print $1, $7, $9}')"
if [ -n "$JFR" ]; then for _ in $(seq 1 50); do [ -s "$JFR" ] && break; sleep 0.5; done; sleep 1; fi
