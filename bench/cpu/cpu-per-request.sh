#!/usr/bin/env bash
# cpu-per-request.sh JAR CONFIG(bench|features) CASE(json|sse) [JFR_FILE]
# CPU microseconds per request of one Switchboard JVM (utime+stime of all its threads from /proc/<pid>/stat,
# over a wrk run, divided by the requests served): the steadiest figure on a shared machine, where req/s is noise.
# Needs the canned nginx upstream on 127.0.0.1:28080 (bench-compare's nginx/upstream.conf with the port changed)
# and wrk. Env: DURATION (10), WARMUP (10), CONNS (50), JAVA_OPTS, LOG (gateway stdout, default /dev/null),
# SB_PORT / SB_DATA_DIR (where the gateway listens and keeps its ledger). Runs are serialised by a lock file.
set -euo pipefail
JAR=$1; CONF=$2; CASE=$3; JFR=${4:-}
. "$(dirname "${BASH_SOURCE[0]}")/gateway.sh"
OPTS="${JAVA_OPTS:-}"
[ -n "$JFR" ] && OPTS="$OPTS -XX:StartFlightRecording=filename=$JFR,settings=profile,delay=${WARMUP:-10}s,duration=${DURATION:-10}s"
# shellcheck disable=SC2086
start_gateway $OPTS
wrk -t$THREADS -c$CONNS -d"${WARMUP:-10}s" -s "$WRK/chat.lua" "$URL" >/dev/null
cpu() { awk '{print $14+$15}' "/proc/$PID/stat"; }
T0=$(cpu)
OUT=$(wrk -t$THREADS -c$CONNS -d"${DURATION:-10}s" --latency -s "$WRK/chat.lua" "$URL")
T1=$(cpu)
REQ=$(echo "$OUT" | sed -n 's/.*WRK_RESULT requests=\([0-9]*\).*/\1/p')
NON2XX=$(echo "$OUT" | sed -n 's/.*non2xx=\([0-9]*\).*/\1/p')
HZ=$(getconf CLK_TCK)
echo "$CONF $CASE requests=$REQ non2xx=$NON2XX cpu_us_per_req=$(awk -v t=$((T1-T0)) -v r="$REQ" -v hz="$HZ" 'BEGIN{printf "%.1f", t*1e6/hz/r}') $(echo "$OUT" | grep -o 'rps=[0-9.]* .*p99_ms=[0-9.]*' | awk '{print $1, $5, $7, $9}')"
if [ -n "$JFR" ]; then for _ in $(seq 1 50); do [ -s "$JFR" ] && break; sleep 0.5; done; sleep 1; fi
