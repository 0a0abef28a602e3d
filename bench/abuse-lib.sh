# Helpers for bench/abuse/*.sh (sourced, not run). Each part starts its own gateway on a free port with its own
# config, and stops everything it started on exit.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/switchboard.jar"
WORK="$(mktemp -d /tmp/switchboard-abuse.XXXXXX)"
ABUSE_PIDS=()

abuse_cleanup() {
  for pid in "${ABUSE_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  for pid in "${ABUSE_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
  done
  [ "${KEEP_LOGS:-0}" = 1 ] && echo "logs kept in $WORK" >&2 || rm -rf "$WORK"
}
trap abuse_cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_gateway CONFIG_FILE PORT: starts the jar in the background (log in $WORK/gateway.log), waits until it listens;
# sets GATEWAY_PID.
start_gateway() {
  local config="$1" port="$2"
  java ${JAVA_OPTS:-} -jar "$JAR" -c "$config" >"$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  ABUSE_PIDS+=("$GATEWAY_PID")
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then
      return 0
    fi
    kill -0 "$GATEWAY_PID" 2>/dev/null || { echo "FAIL gateway did not start:"; tail -20 "$WORK/gateway.log"; return 1; }
    sleep 0.1
  done
  echo "FAIL gateway did not listen on $port within 60 s"
  return 1
}

# verdict OK NAME FIGURES: one PASS or FAIL line.
verdict() {
  if [ "$1" = 1 ]; then echo "PASS $2: $3"; else echo "FAIL $2: $3"; fi
}
