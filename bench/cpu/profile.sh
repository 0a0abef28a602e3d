#!/usr/bin/env bash
# profile.sh JAR CONFIG(bench|features) CASE(json|sse) OUT.collapsed
# async-profiler CPU profile (collapsed stacks) of one Switchboard JVM over a wrk run, after a warm-up: the same set-up
# as cpu-per-request.sh (nginx upstream on 127.0.0.1:28080, SB_PORT, the lock). async-profiler's native library comes
# from Maven Central (tools.profiler:async-profiler) and is loaded into the running JVM with jcmd, so the warm-up is
# not in the profile. Read the result with: python3 bench/cpu/ap-report.py OUT.collapsed [tree|cats|callers FRAME]
# Env: DURATION (10), WARMUP (15), CONNS (50), INTERVAL (200us), EVENT (cpu; itimer where perf events are refused).
set -euo pipefail
JAR=$1; CONF=$2; CASE=$3; OUTF=$(readlink -f "$4")
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WRK="$HERE/../../../shared/bench-compare/wrk"; [ -d "$WRK" ] || WRK=/work/shared/bench-compare/wrk
AP_VERSION=4.1
AP_DIR="${AP_DIR:-/tmp/async-profiler-$AP_VERSION}"
AP="$AP_DIR/linux-x64/libasyncProfiler.so"
if [ ! -f "$AP" ]; then
  mvn -B -ntp -q dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION >/dev/null
  mkdir -p "$AP_DIR"
  unzip -o -q "$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar" \
    linux-x64/libasyncProfiler.so -d "$AP_DIR"
fi
PORT=${SB_PORT:-$([ "$CONF" = bench ] && echo 28090 || echo 28091)}
DATA=${SB_DATA_DIR:-/tmp/p17bench/$CONF-data-$PORT}
export SB_PORT=$PORT SB_DATA_DIR=$DATA
exec 9>/tmp/cpu-per-request.lock
flock 9
BODY=$([ "$CASE" = json ] && echo chat.json || echo chat-stream.json)
ACCEPT=$([ "$CASE" = json ] && echo application/json || echo text/event-stream)
rm -rf "$DATA"
# DebugNonSafepoints: frames attributed to the inlined method that ran, not to the nearest safepoint.
java -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints ${JAVA_OPTS:-} -jar "$JAR" -c "$HERE/$CONF.yaml" \
  >"${LOG:-/dev/null}" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
export BENCH_BODY_FILE="$WRK/$BODY" BENCH_ACCEPT="$ACCEPT"
URL="http://127.0.0.1:$PORT/v1/chat/completions"
wrk -t2 -c"${CONNS:-50}" -d"${WARMUP:-15}s" -s "$WRK/chat.lua" "$URL" >/dev/null
# jcmd splits its arguments at '='; the quotes keep the agent's options in one piece.
jcmd $PID JVMTI.agent_load "$AP" "\"start,event=${EVENT:-cpu},interval=${INTERVAL:-200us}\"" >/dev/null
OUT=$(wrk -t2 -c"${CONNS:-50}" -d"${DURATION:-10}s" --latency -s "$WRK/chat.lua" "$URL")
jcmd $PID JVMTI.agent_load "$AP" "\"stop,file=$OUTF,collapsed\"" >/dev/null
echo "$CONF $CASE $(echo "$OUT" | grep -o 'rps=[0-9.]* .*p99_ms=[0-9.]*' | awk '{print $1, $7, $9}') -> $OUTF"
