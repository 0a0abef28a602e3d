#!/usr/bin/env bash
# Request-path cost of the ledger stores, and the replay after a PostgreSQL outage.
#
#   bench/ledger-store.sh            # from the repository root, after mvn -DskipTests package
#
# For usage.store sqlite and postgres in turn: the fake upstream, one gateway (ledger on) and wrk at CONNECTIONS
# connections for DURATION; prints requests/s, p99 and the gateway's CPU time per request (user + system, from
# /proc: steadier than requests/s on a shared machine). Then, on PostgreSQL: load while the database is stopped
# (rows are held, then spilled), the database back, and how long the gateway takes to write every held row.
# Free ports are picked; PostgreSQL runs from a temp directory (as the postgres user when run as root).
set -euo pipefail
CONNECTIONS="${CONNECTIONS:-50}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-10s}"
OUTAGE="${OUTAGE:-10s}"
STORES="${STORES:-sqlite postgres}"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
JAR="$ROOT/target/switchboard.jar"
WORK="$(mktemp -d /tmp/switchboard-ledger-bench.XXXXXX)"
PIDS=()
log() { printf '[ledger-bench] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  [ -n "${PG_PID:-}" ] && kill -INT "$PG_PID" 2>/dev/null || true
  sleep 1; rm -rf "$WORK"
}
trap cleanup EXIT

PGBIN="$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")"
AS=()
if [ "$(id -u)" = 0 ]; then
  U=postgres; id -u postgres >/dev/null 2>&1 || U=nobody
  AS=(setpriv --reuid="$U" --regid="$(id -g $U)" --clear-groups --)
  chown "$U" "$WORK"
fi
PG_PORT="$(free_port)"; UP_PORT="$(free_port)"; GW_PORT="$(free_port)"
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U switchboard --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
start_pg() {
  "${AS[@]}" "$PGBIN/postgres" -D "$WORK/pg" -p "$PG_PORT" -h 127.0.0.1 -k "" >>"$WORK/pg.log" 2>&1 &
  PG_PID=$!
  until "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do sleep 0.1; done
}
stop_pg() { kill -INT "$PG_PID"; wait "$PG_PID" 2>/dev/null || true; PG_PID=""; }
psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U switchboard -d postgres -At -c "$1"; }
start_pg

java -cp "$JAR" bench/FakeUpstream.java --port "$UP_PORT" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
until curl -sf "http://127.0.0.1:$UP_PORT/health" >/dev/null; do sleep 0.2; done

config() { # STORE
  cat <<YAML
server: {host: 127.0.0.1, port: $GW_PORT, instances: 0}
logging: {access_log: false}
providers:
  bench: {type: openai, base_url: "http://127.0.0.1:$UP_PORT/v1", models: [{name: bench-model, input_price: 1, output_price: 2}], max_connections: 200}
usage:
  data_dir: $WORK/data-$1
  store: $1
  postgres: {url: "postgres://127.0.0.1:$PG_PORT/postgres", user: switchboard, spill_dir: "$WORK/spill"}
YAML
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
URL="http://127.0.0.1:$GW_PORT/v1/chat/completions"

for store in ${STORES:-sqlite postgres}; do
  config "$store" >"$WORK/$store.yaml"
  java -jar "$JAR" -c "$WORK/$store.yaml" >"$WORK/gateway-$store.log" 2>&1 &
  GW=$!; PIDS+=($GW)
  until curl -sf "http://127.0.0.1:$GW_PORT/health" >/dev/null; do sleep 0.2; done
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s bench/chat.lua "$URL" >/dev/null
  before=$(ticks $GW)
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/chat.lua "$URL" >"$WORK/wrk-$store.txt"
  after=$(ticks $GW)
  requests=$(awk '/requests in/ {print $1}' "$WORK/wrk-$store.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$store.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk-$store.txt")
  hz=$(getconf CLK_TCK)
  us=$(( (after - before) * 1000000 / hz / requests ))
  echo "store=$store connections=$CONNECTIONS requests=$requests req/s=$rps p99=$p99 gateway_cpu_us_per_request=$us"
  if [ "$store" = postgres ]; then
    # Every row of the run written (the count stands still), before the outage starts.
    base=-1; now=$(psql_ "SELECT COUNT(*) FROM ledger")
    while [ "$base" != "$now" ]; do base=$now; sleep 1; now=$(psql_ "SELECT COUNT(*) FROM ledger"); done
    stop_pg
    wrk -t2 -c"$CONNECTIONS" -d"$OUTAGE" -s bench/chat.lua "$URL" >"$WORK/wrk-outage.txt"
    sent=$(awk '/requests in/ {print $1}' "$WORK/wrk-outage.txt")
    errors=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk-outage.txt")
    sleep 1
    held=$(curl -s "http://127.0.0.1:$GW_PORT/ready" | python3 -c 'import json,sys; d=json.load(sys.stdin); c=[x for x in d["checks"] if x["id"]=="usage_store"][0]["data"]; print(c["pending_rows"], c["spilled_rows"])')
    start_pg
    t0=$(date +%s.%N)
    until [ "$(psql_ "SELECT COUNT(*) FROM ledger")" -ge "$((base + sent))" ]; do sleep 0.05; done
    t1=$(date +%s.%N)
    echo "outage: $sent requests while PostgreSQL was down (non-2xx: ${errors:-0}); held in memory/spilled: $held;" \
      "all $((base + sent)) rows in PostgreSQL $(python3 -c "print(round($t1-$t0,2))") s after it came back;" \
      "rows / distinct request ids now: $(psql_ "SELECT COUNT(*) || ' / ' || COUNT(DISTINCT request_id) FROM ledger")" \
      "(wrk counts only replies it read: up to $CONNECTIONS requests in flight at its end add rows too)"
  fi
  kill $GW; wait $GW 2>/dev/null || true
  unset 'PIDS[-1]'
done
