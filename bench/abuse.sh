#!/usr/bin/env bash
# Switchboard abuse run: repeatable attacks on a built gateway (target/switchboard.jar), each part printing
# PASS/FAIL lines with its figures. Parts are the scripts in bench/abuse/*.sh, run in name order if present
# (slowloris.sh, sigterm.sh, and others such as redis.sh, memory.sh); each starts and stops what it needs.
#
#   mvn -B -ntp -q -DskipTests package && bench/abuse.sh            # every part
#   bench/abuse.sh slowloris sigterm                                # only these parts
#
# Exit status: 0 when every line is PASS. Shared helpers for parts live in bench/abuse-lib.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f target/switchboard.jar ] || { echo "FAIL build: target/switchboard.jar missing (mvn -DskipTests package)"; exit 2; }

parts=()
if [ "$#" -gt 0 ]; then
  for p in "$@"; do parts+=("bench/abuse/$p.sh"); done
else
  for p in bench/abuse/*.sh; do [ -e "$p" ] && parts+=("$p"); done
fi

failed=0
out="$(mktemp /tmp/switchboard-abuse.XXXXXX)"
for part in "${parts[@]}"; do
  name="$(basename "$part" .sh)"
  echo "== $name"
  if [ ! -f "$part" ]; then
    echo "FAIL $name: no such part ($part)"
    failed=1
    continue
  fi
  bash "$part" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ] || grep -q '^FAIL' "$out" || ! grep -q '^PASS' "$out"; then
    failed=1
  fi
done
rm -f "$out"
echo "== $([ "$failed" = 0 ] && echo "all parts passed" || echo "some parts FAILED")"
exit "$failed"
