#!/usr/bin/env bash
# threads.sh JAR CONFIG(bench|features) CASE(json|sse)
# CPU microseconds per request of one Switchboard JVM by thread group (event loops, the ledger's worker, the log
# writer, JIT compilers, GC), from each thread's utime+stime in /proc/<pid>/task over a wrk run after a warm-up: which
# threads a change moved, and how far the JIT still is from done (WARMUP=15 against WARMUP=150 shows it).
# Same set-up as cpu-per-request.sh (canned nginx upstream on 127.0.0.1:28080, SB_PORT, the lock).
# Env: DURATION (10), WARMUP (15), CONNS (50), JAVA_OPTS.
set -euo pipefail
JAR=$1; CONF=$2; CASE=$3
. "$(dirname "${BASH_SOURCE[0]}")/gateway.sh"
# shellcheck disable=SC2086
start_gateway ${JAVA_OPTS:-}
wrk -t$THREADS -c$CONNS -d"${WARMUP:-15}s" -s "$WRK/chat.lua" "$URL" >/dev/null
# "<thread name without its number> <tid> <ticks>" for every thread alive now
snap() {
  for t in /proc/"$PID"/task/*; do
    printf '%s %s %s\n' "$(tr ' ' '_' < "$t/comm" | sed 's/[-_#]*[0-9]*$//')" "${t##*/}" \
      "$(awk '{print $14 + $15}' "$t/stat")"
  done
}
BEFORE=$(snap)
OUT=$(wrk -t$THREADS -c$CONNS -d"${DURATION:-10}s" --latency -s "$WRK/chat.lua" "$URL")
AFTER=$(snap)
REQ=$(echo "$OUT" | sed -n 's/.*WRK_RESULT requests=\([0-9]*\).*/\1/p')
echo "$CONF $CASE requests=$REQ $(echo "$OUT" | grep -o 'rps=[0-9.]* .*p99_ms=[0-9.]*' | awk '{print $1, $5, $7}')"
# Threads are matched by id; one that started during the run counts from zero.
awk -v r="$REQ" -v hz="$(getconf CLK_TCK)" '
  NR == FNR { before[$2] = $3; next }
  { used[$1] += $3 - before[$2]; total += $3 - before[$2] }
  END {
    for (g in used) if (used[g] > 0) printf "%8.2f us/req  %s\n", used[g] * 1e6 / hz / r, g
    printf "%8.2f us/req  all threads\n", total * 1e6 / hz / r
  }' <(echo "$BEFORE") <(echo "$AFTER") | sort -rn
