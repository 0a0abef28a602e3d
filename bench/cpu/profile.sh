#!/usr/bin/env bash
# profile.sh JAR CONFIG(bench|features) CASE(json|sse) OUT.collapsed
# async-profiler CPU profile (collapsed stacks) of one Switchboard JVM over a wrk run, after a warm-up: the same set-up
# as cpu-per-request.sh (nginx upstream on 127.0.0.1:28080, SB_PORT, the lock). async-profiler's native library comes
# from Maven Central (tools.profiler:async-profiler) and is loaded into the running JVM with jcmd, so the warm-up is
# not in the profile. Read the result with: python3 bench/cpu/ap-report.py OUT.collapsed [tree|cats|callers FRAME]
# Env: DURATION (10), WARMUP (15), CONNS (50), INTERVAL (200us), EVENT (cpu; itimer where perf events are refused).
set -euo pipefail
JAR=$1; CONF=$2; CASE=$3; OUTF=$(readlink -f "$4")
AP_VERSION=4.1
AP_DIR="${AP_DIR:-/tmp/async-profiler-$AP_VERSION}"
AP="$AP_DIR/linux-x64/libasyncProfiler.so"
if [ ! -f "$AP" ]; then
  mvn -B -ntp -q dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION >/dev/null
  mkdir -p "$AP_DIR"
  unzip -o -q "$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar" \
    linux-x64/libasyncProfiler.so -d "$AP_DIR"
fi
. "$(dirname "${BASH_SOURCE[0]}")/gateway.sh"
# DebugNonSafepoints: frames attributed to the inlined method that ran, not to the nearest safepoint.
# shellcheck disable=SC2086
start_gateway -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints ${JAVA_OPTS:-}
wrk -t$THREADS -c$CONNS -d"${WARMUP:-15}s" -s "$WRK/chat.lua" "$URL" >/dev/null
# jcmd splits its arguments at '='; the quotes keep the agent's options in one piece.
jcmd $PID JVMTI.agent_load "$AP" "\"start,event=${EVENT:-cpu},interval=${INTERVAL:-200us}\"" >/dev/null
OUT=$(wrk -t$THREADS -c$CONNS -d"${DURATION:-10}s" --latency -s "$WRK/chat.lua" "$URL")
jcmd $PID JVMTI.agent_load "$AP" "\"stop,file=$OUTF,collapsed\"" >/dev/null
echo "$CONF $CASE $(echo "$OUT" | grep -o 'rps=[0-9.]* .*p99_ms=[0-9.]*' | awk '{print $1, $5, $7, $9}') -> $OUTF"
