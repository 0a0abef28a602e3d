#!/usr/bin/env bash
# Abuse check: what one client can make the gateway allocate (issue 13, items 1, 2 and 13).
#
#   bench/abuse/memory.sh               # from anywhere; builds target/switchboard.jar if it is missing
#   JAR=/path/to/switchboard.jar bench/abuse/memory.sh    # e.g. an older build, for before/after figures
#
# Part A — oversized local requests: the shipped conf/switchboard.yaml with no provider key (the open, local-only
#   set-up), 4 concurrent embeddings requests of 2048 inputs x 3072 dimensions (~20 KB each). PASS when every reply
#   is a clear 4xx/5xx error or a complete 200, no OutOfMemoryError is logged, the gateway still answers /health,
#   and the heap high-water mark stays under the limit.
# Part B — large upstream replies: a fake upstream answering every chat request with the same 50 MB JSON reply,
#   10 concurrent non-stream requests through a gateway at -Xmx512m (Content-Length, then chunked). PASS when every
#   200 body is byte-exact (SHA-256), every other reply is an OpenAI-shaped error, no OutOfMemoryError is logged.
#
# Prints figures (statuses, seconds, heap high-water from jstat samples) and one PASS/FAIL line per part, then an
# overall PASS/FAIL; exit status 0 only when everything passed. Ports 9201-9203 on 127.0.0.1 must be free.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
JAR="${JAR:-$ROOT/target/switchboard.jar}"
HEAP="${HEAP:-512m}"
REPLY_MB="${REPLY_MB:-50}"
CONCURRENT_BIG="${CONCURRENT_BIG:-10}"
CONCURRENT_LOCAL="${CONCURRENT_LOCAL:-4}"
UP_PORT=9201
LOCAL_PORT=9202
GW_PORT=9203
WORK="$(mktemp -d /tmp/switchboard-abuse-memory.XXXXXX)"
PIDS=()
RESULT=0

log() { printf '[memory] %s\n' "$*" >&2; }

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null
  done
  if [ "${KEEP_LOGS:-0}" = 1 ] || [ "$RESULT" != 0 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in curl java jstat python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "FAIL memory: missing tool $tool"; exit 1; }
done
if [ ! -f "$JAR" ]; then
  log "building $JAR"
  (mvn -q -B -ntp -DskipTests package >/dev/null) || { echo "FAIL memory: build failed"; exit 1; }
fi

wait_up() { # URL PID NAME
  for _ in $(seq 1 240); do
    kill -0 "$2" 2>/dev/null || { log "$3 exited:"; tail -20 "$WORK/$3.log" >&2; return 1; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ] && return 0
    sleep 0.25
  done
  log "$3 did not come up"; return 1
}

# Samples the JVM's used heap (survivors + eden + old, KB) every 100 ms into FILE until the JVM ends.
sample_heap() { # PID FILE
  jstat -gc "$1" 100 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9.]+$/ { printf "%d\n", $3 + $4 + $6 + $8; fflush() }' > "$2" &
  PIDS+=($!)
}
# The heap high-water mark in MB: the larger of the highest jstat sample and the highest heap use the GC log saw
# before a collection (a short run may end between samples; the GC log misses the peak if no collection follows it).
max_mb() { # NAME
  local sampled logged
  sampled=$(sort -n "$WORK/$1.heap" 2>/dev/null | tail -1 | awk '{ printf "%d", $1 / 1024 }')
  logged=$(grep -o '[0-9]*M->' "$WORK/$1.gc" 2>/dev/null | tr -dc '0-9\n' | sort -n | tail -1)
  echo $(( ${sampled:-0} > ${logged:-0} ? ${sampled:-0} : ${logged:-0} ))
}
# The most heap still in use right after a collection (MB): the live set, without garbage G1 had not yet needed to free.
live_mb() { # NAME
  local v; v=$(grep -o -- '->[0-9]*M' "$WORK/$1.gc" 2>/dev/null | tr -dc '0-9\n' | sort -n | tail -1); echo "${v:-0}"
}

start_gateway() { # NAME CONFIG PORT [env...]
  local name="$1" config="$2" port="$3"; shift 3
  (cd "$WORK" && exec env "$@" java -Xmx"$HEAP" -XX:+UseG1GC -Xlog:gc:file="$WORK/$name.gc" -jar "$JAR" -c "$config" >"$WORK/$name.log" 2>&1) &
  GW_JVM=$!
  PIDS+=($GW_JVM)
  wait_up "http://127.0.0.1:$port/health" "$GW_JVM" "$name" || return 1
  sample_heap "$GW_JVM" "$WORK/$name.heap"
  for _ in $(seq 1 100); do [ -s "$WORK/$name.heap" ] && break; sleep 0.1; done   # jstat attached
}

stop_gateway() { # NAME
  local pid="$GW_JVM"
  kill "$pid" 2>/dev/null; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# ------------------------------------------------------------------------------------------ part A: local
python3 - "$WORK/embeddings.json" <<'PY'
import json, sys
body = {"model": "text-embedding-3-small", "dimensions": 3072, "input": ["t%d" % i for i in range(2048)]}
open(sys.argv[1], "w").write(json.dumps(body, separators=(",", ":")))
PY
log "part A: 4 concurrent 2048 x 3072 embeddings to the local provider ($(stat -c %s "$WORK/embeddings.json") bytes each), -Xmx$HEAP"
start_gateway local "$ROOT/conf/switchboard.yaml" "$LOCAL_PORT" -u OPENAI_API_KEY -u ANTHROPIC_API_KEY \
  -u GEMINI_API_KEY -u OPENROUTER_API_KEY -u GROQ_API_KEY -u SWITCHBOARD_API_KEY \
  SWITCHBOARD_PORT=$LOCAL_PORT SWITCHBOARD_HOST=127.0.0.1 SWITCHBOARD_LOG_LEVEL=warn || { echo "FAIL memory: gateway A did not start"; exit 1; }
START=$(date +%s.%N)
CURLS=()
for i in $(seq 1 "$CONCURRENT_LOCAL"); do
  curl -s -o "$WORK/a$i.body" -w '%{http_code} %{size_download} %{time_total}\n' --max-time 120 \
    -H 'content-type: application/json' --data-binary @"$WORK/embeddings.json" \
    "http://127.0.0.1:$LOCAL_PORT/v1/embeddings" > "$WORK/a$i.status" 2>/dev/null &
  CURLS+=($!)
done
wait "${CURLS[@]}" 2>/dev/null
A_SECS=$(awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
A_HEALTH=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$LOCAL_PORT/health")
stop_gateway local
A_OK=1
A_CODES=""
for i in $(seq 1 "$CONCURRENT_LOCAL"); do
  read -r code size secs < "$WORK/a$i.status" || code=000
  A_CODES="$A_CODES $code"
  case "$code" in
    200) python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['data'])==2048" "$WORK/a$i.body" 2>/dev/null || A_OK=0 ;;
    4??|503) python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['error']; print('  reply %s: %s / %s: %s' % (sys.argv[2], e['type'], e['code'], e['message'][:150]))" "$WORK/a$i.body" "$i" >&2 || A_OK=0 ;;
    *) A_OK=0 ;;
  esac
  log "  request $i: HTTP $code, $size bytes, ${secs}s"
done
A_OOM=$(grep -c OutOfMemoryError "$WORK/local.log")
A_HEAP=$(max_mb local); A_LIVE=$(live_mb local)
[ "$A_HEALTH" = 200 ] && [ "$A_OOM" = 0 ] || A_OK=0
if [ "$A_OK" = 1 ]; then A_VERDICT=PASS; else A_VERDICT=FAIL; RESULT=1; fi
echo "$A_VERDICT memory/local-embeddings: statuses [${A_CODES# }], ${A_SECS}s for all, heap high-water ${A_HEAP} MB of $HEAP (live after GC at most ${A_LIVE} MB), OutOfMemoryError logged $A_OOM, /health after $A_HEALTH"

# ------------------------------------------------------------------------------------------ part B: big replies
cat > "$WORK/big.yaml" <<YAML
server: {host: 127.0.0.1, port: $GW_PORT, instances: 0}
health: {enabled: false}
usage: {persist: false}
logging: {access_log: false, level: warn}
routing: {request_timeout: 180s}
providers:
  big: {type: openai, base_url: "http://127.0.0.1:$UP_PORT/v1", models: [big-model],
        timeouts: {connect: 5s, first_byte: 60s, idle: 60s, total: 180s}}
YAML
run_big() { # MODE(--chunked or "")
  local mode="$1" label="${1:-content-length}" upid
  label="${label#--}"
  java -Xmx1g -cp "$JAR" "$ROOT/bench/abuse/BigUpstream.java" --port "$UP_PORT" --size-mb "$REPLY_MB" $mode \
    >"$WORK/upstream-$label.log" 2>&1 &
  upid=$!
  PIDS+=($upid)
  wait_up "http://127.0.0.1:$UP_PORT/health" "$upid" "upstream-$label" || return 1
  local expected; expected="$(curl -s "http://127.0.0.1:$UP_PORT/expected.sha256")"
  start_gateway "big-$label" "$WORK/big.yaml" "$GW_PORT" || return 1
  log "part B ($label): $CONCURRENT_BIG concurrent ${REPLY_MB} MB replies through the gateway at -Xmx$HEAP"
  local start; start=$(date +%s.%N)
  CURLS=()
  for i in $(seq 1 "$CONCURRENT_BIG"); do
    curl -s -o "$WORK/b$i.body" -w '%{http_code} %{size_download} %{time_total}\n' --max-time 240 \
      -H 'content-type: application/json' \
      --data '{"model":"big-model","messages":[{"role":"user","content":"big"}]}' \
      "http://127.0.0.1:$GW_PORT/v1/chat/completions" > "$WORK/b$i.status" 2>/dev/null &
    CURLS+=($!)
  done
  wait "${CURLS[@]}" 2>/dev/null
  local secs; secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  local ok=1 exact=0 errors=0 bad=0 codes=""
  for i in $(seq 1 "$CONCURRENT_BIG"); do
    local code size t
    read -r code size t < "$WORK/b$i.status" || code=000
    codes="$codes $code"
    if [ "$code" = 200 ]; then
      if [ "$(sha256sum < "$WORK/b$i.body" | cut -d' ' -f1)" = "$expected" ]; then exact=$((exact + 1));
      else bad=$((bad + 1)); ok=0; log "  request $i: 200 with a body that is NOT byte-exact ($size bytes)"; fi
    elif python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['error']; assert e['message'] and e['type']" "$WORK/b$i.body" 2>/dev/null; then
      errors=$((errors + 1))
    else
      ok=0; log "  request $i: HTTP $code without an OpenAI error body ($size bytes)"
    fi
    rm -f "$WORK/b$i.body"
  done
  local health oom heap
  health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$GW_PORT/health")
  stop_gateway "big-$label"
  kill "$upid" 2>/dev/null; wait "$upid" 2>/dev/null
  oom=$(grep -c OutOfMemoryError "$WORK/big-$label.log")
  heap=$(max_mb "big-$label"); local live; live=$(live_mb "big-$label")
  [ "$oom" = 0 ] || ok=0
  local verdict=PASS; [ "$ok" = 1 ] || { verdict=FAIL; RESULT=1; }
  echo "$verdict memory/big-replies-$label: statuses [${codes# }], $exact byte-exact 200s, $errors visible errors, $bad truncated/corrupt 200s, ${secs}s, heap high-water ${heap} MB of $HEAP (live after GC at most ${live} MB), OutOfMemoryError logged $oom, /health after $health"
}
run_big "" || { echo "FAIL memory/big-replies-content-length: could not run"; RESULT=1; }
run_big --chunked || { echo "FAIL memory/big-replies-chunked: could not run"; RESULT=1; }

if [ "$RESULT" = 0 ]; then echo "PASS memory"; else echo "FAIL memory"; fi
exit "$RESULT"
