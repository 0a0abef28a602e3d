# Sourced by cpu-per-request.sh and profile.sh (after JAR, CONF and CASE are set): where wrk's scripts are, the
# gateway's port and ledger directory, one measurement at a time, the request body, and start_gateway.
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
export BENCH_BODY_FILE="$WRK/$BODY" BENCH_ACCEPT="$ACCEPT"
URL="http://127.0.0.1:$PORT/v1/chat/completions"
# wrk needs at least one connection per thread: one connection gets one thread.
CONNS=${CONNS:-50}; THREADS=$([ "$CONNS" -ge 2 ] && echo 2 || echo 1)

# start_gateway [JVM options...]: a fresh ledger, the gateway in the background (PID, killed on exit), /health up.
start_gateway() {
  rm -rf "$DATA"
  java "$@" -jar "$JAR" -c "$HERE/$CONF.yaml" >"${LOG:-/dev/null}" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
}
