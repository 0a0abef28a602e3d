#!/usr/bin/env bash
# Slowloris: CONNECTIONS clients (from 127.0.0.2, so the cap per client applies to them and not to the legitimate
# client on 127.0.0.1) each send half a request head and then one byte a second. The gateway must answer the ones
# over server.max_connections_per_client with 503 at once, cut the rest at server.header_timeout (408), and keep
# serving a legitimate client throughout. Then the same with a trickled body against server.body_timeout.
#
# Environment: CONNECTIONS=400  PER_CLIENT=300  HEADER_TIMEOUT_S=2  BODY_TIMEOUT_S=3  SLACK_S=2
set -uo pipefail
source "$(dirname "$0")/../abuse-lib.sh"
CONNECTIONS="${CONNECTIONS:-400}"
PER_CLIENT="${PER_CLIENT:-300}"
HEADER_TIMEOUT_S="${HEADER_TIMEOUT_S:-2}"
BODY_TIMEOUT_S="${BODY_TIMEOUT_S:-3}"
SLACK_S="${SLACK_S:-2}"
PORT="$(free_port)"

cat >"$WORK/slowloris.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $PORT
  instances: 2
  header_timeout: ${HEADER_TIMEOUT_S}s
  body_timeout: ${BODY_TIMEOUT_S}s
  max_connections_per_client: $PER_CLIENT
  shutdown_grace: 2s
health: {enabled: false}
usage: {persist: false}
logging: {access_log: false}
providers:
  local:
    type: local
    models: [switchboard-local]
YAML
start_gateway "$WORK/slowloris.yaml" "$PORT" || exit 1

python3 - "$PORT" "$CONNECTIONS" "$PER_CLIENT" "$HEADER_TIMEOUT_S" "$BODY_TIMEOUT_S" "$SLACK_S" <<'PY'
import socket, sys, time, select, json, urllib.request
port, n, per_client, header_s, body_s, slack = (int(a) for a in sys.argv[1:])

def legit():
    body = json.dumps({"model": "switchboard-local", "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, (time.monotonic() - t0) * 1000
    except urllib.error.HTTPError as e:
        return e.code, (time.monotonic() - t0) * 1000
    except Exception as e:
        return str(e), (time.monotonic() - t0) * 1000

def refused_total():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith('switchboard_connections_refused_total{reason="max_connections_per_client"'))

def attack(opening, trickle, deadline_s, label):
    refused_before = refused_total()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(opening)
        s.setblocking(False)
        socks.append(s)
    start = time.monotonic()
    replies = {}          # socket -> first bytes received
    closed = set()
    legit_result = None
    def poll():
        readable, _, _ = select.select([s for s in socks if s not in closed], [], [], 0)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                replies[s] = replies.get(s, b"") + data
            else:
                closed.add(s)
    refused_at_once = 0
    while time.monotonic() - start < deadline_s + slack:
        poll()
        if refused_at_once == 0 and time.monotonic() - start > 0.5:
            refused_at_once = sum(1 for s in replies if replies[s].startswith(b"HTTP/1.1 503"))
        if legit_result is None and time.monotonic() - start > 1.0:
            legit_result = legit()
        for s in socks:
            if s not in closed:
                try:
                    s.send(trickle)
                except OSError:
                    closed.add(s)
        t_next = time.monotonic() + 1.0
        while time.monotonic() < t_next:
            poll()
            time.sleep(0.05)
    poll()
    held = sum(1 for s in socks if s not in closed)
    r503 = sum(1 for s in replies if replies[s].startswith(b"HTTP/1.1 503"))
    r408 = sum(1 for s in replies if replies[s].startswith(b"HTTP/1.1 408"))
    for s in socks:
        s.close()
    expected_refused = max(0, n - per_client)
    refused_metric = refused_total() - refused_before
    ok_held = held == 0
    print(("PASS" if ok_held else "FAIL") + f" {label}: {n} connections trickling 1 byte/s; still held by the gateway "
          f"{deadline_s + slack} s later: {held} (target 0); cut with 408: {r408}; refused with 503: {r503}")
    ok_cap = refused_metric == expected_refused and r503 == expected_refused
    print(("PASS" if ok_cap else "FAIL") + f" {label} per-client cap: {refused_metric:.0f} of {n} refused "
          f"(switchboard_connections_refused_total; target {expected_refused} = {n} - max_connections_per_client "
          f"{per_client}), {r503} clients read the 503, {refused_at_once} within 0.5 s")
    status, ms = legit_result
    print(("PASS" if status == 200 else "FAIL") + f" {label} legitimate request during the attack: status {status} "
          f"in {ms:.0f} ms")

head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
attack(head, b"x", header_s, "slow head")
attack(head + b"Content-Length: 100000\r\n\r\n{", b" ", body_s, "slow body")
PY
