#!/usr/bin/env bash
# SIGTERM under load: CLIENTS keep-alive clients send chat requests (each with its own x-request-id) through the
# gateway to a slow fake upstream; after LOAD_S seconds the gateway gets SIGTERM. Every request a client saw answered
# must be in the usage ledger once the process has exited, and no client may have its request cut on a kept-alive
# socket (the "socket hang up" of clients that reuse a connection the gateway is closing).
#
# Environment: CLIENTS=32  LOAD_S=3  UPSTREAM_DELAY_MS=200  RUNS=2
set -uo pipefail
source "$(dirname "$0")/../abuse-lib.sh"
CLIENTS="${CLIENTS:-32}"
LOAD_S="${LOAD_S:-3}"
UPSTREAM_DELAY_MS="${UPSTREAM_DELAY_MS:-200}"
RUNS="${RUNS:-2}"

UPSTREAM_PORT="$(free_port)"
python3 - "$UPSTREAM_PORT" "$UPSTREAM_DELAY_MS" >"$WORK/upstream.log" 2>&1 <<'PY' &
import json, sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
port, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000
BODY = json.dumps({"id": "chatcmpl-abuse", "object": "chat.completion", "created": 1700000000, "model": "abuse-model",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}).encode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def do_GET(self):
        body = b'{"object":"list","data":[{"id":"abuse-model","object":"model"}]}'
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
ABUSE_PIDS+=("$!")

for run in $(seq 1 "$RUNS"); do
  PORT="$(free_port)"
  rm -rf "$WORK/data"
  cat >"$WORK/sigterm.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $PORT
  instances: 2
  shutdown_grace: 10s
health: {enabled: false}
logging: {access_log: false}
usage: {persist: true, data_dir: "$WORK/data", flush_interval: 1s}
providers:
  up:
    type: openai
    base_url: http://127.0.0.1:$UPSTREAM_PORT/v1
    models: [abuse-model]
    max_connections: 200
YAML
  start_gateway "$WORK/sigterm.yaml" "$PORT" || exit 1
  python3 - "$PORT" "$CLIENTS" "$LOAD_S" "$GATEWAY_PID" "$WORK/data/switchboard.db" "$run" <<'PY'
import http.client, json, os, signal, sqlite3, sys, threading, time, uuid
port, clients, load_s, pid, db, run = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
BODY = json.dumps({"model": "abuse-model", "messages": [{"role": "user", "content": "hi"}]})
answered, hangups, refused, lock = [], [], [0], threading.Lock()
stop = threading.Event()

def client():
    conn, reused = None, False
    while not stop.is_set():
        if conn is None:
            conn, reused = http.client.HTTPConnection("127.0.0.1", port, timeout=30), False
        rid = "abuse-" + uuid.uuid4().hex
        try:
            conn.request("POST", "/v1/chat/completions", BODY, {"Content-Type": "application/json", "x-request-id": rid})
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                with lock:
                    answered.append(rid)
            if r.will_close:
                conn.close(); conn = None
            else:
                reused = True
        except ConnectionRefusedError:
            with lock:
                refused[0] += 1
            stop.wait(0.05)
            conn = None
        except (http.client.HTTPException, OSError) as e:
            # A request lost on a socket the gateway closed under it: what a client sees as "socket hang up".
            with lock:
                hangups.append(f"{type(e).__name__} on a {'reused' if reused else 'new'} connection")
            conn.close(); conn = None

threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
for t in threads: t.start()
time.sleep(load_s)
os.kill(pid, signal.SIGTERM)
# The listener closes at once; keep going until the process has exited (clients then only see refusals).
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    if os.path.exists(f"/proc/{pid}/stat") and open(f"/proc/{pid}/stat").read().split()[2] == "Z":
        break
    time.sleep(0.05)
stop.set()
for t in threads: t.join(35)
rows = {r[0] for r in sqlite3.connect(db).execute("SELECT request_id FROM ledger")}
missing = [rid for rid in answered if rid not in rows]
ok = not missing
print(("PASS" if ok else "FAIL") + f" run {run}: ledger rows {len(rows)} vs answered requests {len(answered)}; "
      f"answered but not in the ledger: {len(missing)} (target 0)")
print(("PASS" if not hangups else "FAIL") + f" run {run}: requests cut on a kept-alive socket at SIGTERM: "
      f"{len(hangups)} (target 0){' ' + str(sorted(set(hangups))) if hangups else ''}; refused at connect after the "
      f"listener closed: {refused[0]}")
PY
  wait "$GATEWAY_PID" 2>/dev/null
  if grep -q "could not write" "$WORK/gateway.log"; then
    echo "FAIL run $run: $(grep -c 'could not write' "$WORK/gateway.log") ledger write errors in the log"
  fi
done
exit 0
