// Switchboard dashboard: plain JS, no dependencies. The admin key lives in sessionStorage and travels only in the
// Authorization header (fetch with a stream reader, since EventSource cannot send headers).
"use strict";

(function () {
  const KEY = "switchboard.adminKey";
  const HISTORY = 300;
  const $ = (id) => document.getElementById(id);
  const state = {
    key: null, abort: null, retry: 0, providers: new Map(), history: new Map(), cards: new Map(),
    failovers: [], requests: [], lastStates: new Map(), cacheTimer: null, insightsTimer: null, stopped: true,
    currency: "USD", zone: "UTC", view: "live",
  };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const svg = (tag, attrs) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };
  const ms = (v) => (v === null || v === undefined ? "–" : v >= 1000 ? (v / 1000).toFixed(2) + " s" : Math.round(v) + " ms");
  const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");
  const num = (v, d = 0) => (v === null || v === undefined ? "–" : Number(v).toLocaleString(undefined, { maximumFractionDigits: d }));
  const time = (at) => new Date(at).toLocaleTimeString();

  // Money in the gateway's currency (usage.currency): whole cents from a cent up; below that four decimals, so that
  // a request's fraction of a cent still shows; below 0.0001, "<0.0001". Never exponent notation.
  const moneyFormats = new Map();
  function moneyFormat(digits) {
    const k = state.currency + digits;
    if (!moneyFormats.has(k)) {
      let f;
      try {
        f = new Intl.NumberFormat(undefined, { style: "currency", currency: state.currency,
          minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch (e) {
        f = { format: (v) => v.toFixed(digits) + " " + state.currency };
      }
      moneyFormats.set(k, f);
    }
    return moneyFormats.get(k);
  }
  function money(v) {
    if (v === null || v === undefined || Number.isNaN(Number(v))) return "–";
    const n = Number(v);
    const a = Math.abs(n);
    if (a === 0 || a >= 0.01) return moneyFormat(2).format(n);
    if (a >= 0.0001) return moneyFormat(4).format(n);
    return "<" + moneyFormat(4).format(0.0001);
  }
  // Sizes in binary units: 134217728 → "128 MiB".
  function bytes(v) {
    if (v === null || v === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let n = Number(v);
    let u = 0;
    while (Math.abs(n) >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return (u === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 || Number.isInteger(n) ? 0 : 1)) + " " + units[u];
  }

  function setConnection(text, cls) {
    const c = $("connection");
    c.textContent = text;
    c.className = "connection" + (cls ? " " + cls : "");
  }
  function announce(text) { $("announcer").textContent = text; }

  // ---- authentication --------------------------------------------------------------------------------------
  function headers() { return { Authorization: "Bearer " + state.key }; }

  function login(key) {
    state.key = key;
    sessionStorage.setItem(KEY, key);
    $("login").hidden = true;
    $("logout").hidden = false;
    $("views").hidden = false;
    state.stopped = false;
    show(viewFromHash());
    connect();
    clearInterval(state.insightsTimer);
    refreshInsights();
    state.insightsTimer = setInterval(refreshInsights, 5000);
  }

  function logout(message) {
    state.stopped = true;
    state.key = null;
    sessionStorage.removeItem(KEY);
    if (state.abort) state.abort.abort();
    clearInterval(state.cacheTimer);
    clearInterval(state.insightsTimer);
    $("login").hidden = false;
    $("logout").hidden = true;
    $("views").hidden = true;
    for (const id of Object.values(VIEWS)) $(id).hidden = true;
    hideSecret();
    setConnection(message || "Not connected", message ? "error" : "");
    $("admin-key").focus();
  }

  // ---- the event stream -------------------------------------------------------------------------------------
  async function connect() {
    if (state.stopped) return;
    const abort = new AbortController();
    state.abort = abort;
    setConnection("Connecting…");
    let response;
    try {
      response = await fetch("/admin/events", { headers: headers(), signal: abort.signal, cache: "no-store" });
    } catch (e) {
      return reconnect("Connection failed");
    }
    if (response.status === 401 || response.status === 403) {
      let msg = "Admin key refused";
      try { msg = (await response.json()).error.message; } catch (e) { /* keep the default */ }
      return logout(msg);
    }
    if (!response.ok || !response.body) return reconnect("Gateway answered " + response.status);
    state.retry = 0;
    setConnection("Live", "live");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          dispatch(frame);
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    }
    reconnect("Stream ended");
  }

  function reconnect(why) {
    if (state.stopped) return;
    state.retry = Math.min(state.retry + 1, 5);
    const wait = 500 * state.retry;
    setConnection(why + "; reconnecting…", "error");
    setTimeout(connect, wait);
  }

  function dispatch(frame) {
    let event = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (!data.length) return;
    let body;
    try { body = JSON.parse(data.join("\n")); } catch (e) { return; }
    switch (event) {
      case "hello": onHello(body); break;
      case "snapshot": onSnapshot(body); break;
      case "health": case "circuit": onTransition(event, body); break;
      case "failover": onFailover(body); break;
      case "budget": onBudget(body); break;
      case "audit": onAudit(body); break;
      case "panic": onPanic(body); break;
      case "request": onRequest(body); break;
      case "dropped": $("stream-note").textContent = body.dropped_total + " events were dropped because this page fell behind."; break;
      case "bye": setConnection("Gateway shutting down", "error"); break;
    }
  }

  // ---- handlers ----------------------------------------------------------------------------------------------
  function onHello(h) {
    if (h.currency && h.currency !== state.currency) { state.currency = h.currency; moneyFormats.clear(); }
    if (h.time_zone) state.zone = h.time_zone;
    // The cache panel appears only when the gateway mounts a cache admin API and it answers 200.
    if (h.features && h.features.cache) probeCache();
    else { clearInterval(state.cacheTimer); $("cache").hidden = true; }
    state.history.clear();
    for (const point of h.history || []) addPoint(point.providers);
    $("events").replaceChildren();
    state.failovers = [];
    for (const r of h.recent || []) {
      if (r.event === "failover") state.failovers.unshift(r.data);
      else if (r.event === "audit") onAudit(r.data);
      else addEventLine(r.event, r.data);
    }
    renderFailovers();
  }

  function addPoint(perProvider) {
    for (const [id, v] of Object.entries(perProvider || {})) {
      const h = state.history.get(id) || [];
      h.push(v);
      while (h.length > HISTORY) h.shift();
      state.history.set(id, h);
    }
  }

  function onSnapshot(s) {
    const point = {};
    for (const p of s.providers) {
      if (p.live) point[p.id] = [p.live.attempts_last_second || 0, p.live.failures_last_second || 0];
    }
    addPoint(point);
    for (const p of s.providers) {
      if (p.type === "local") continue;
      state.providers.set(p.id, p);
      renderCard(p);
    }
    renderQuotas(s.quotas);
    renderBudgets(s.budgets);
  }

  function displayState(p) {
    const h = (p.health && p.health.state) || "unknown";
    if (h === "maintenance") return ["maintenance", "maintenance"];
    if (h === "down" || p.suspended) return ["down", "down"];
    if (p.circuit && p.circuit.state === "open") return ["circuit-open", "circuit open"];
    if (p.cooldown) return ["degraded", "cooling down"];
    return [h, h];
  }

  function reasonOf(p) {
    const parts = [];
    if (p.health && p.health.reason) parts.push(p.health.reason);
    if (p.circuit && p.circuit.state !== "closed") parts.push("circuit " + p.circuit.state.replace("_", "-"));
    if (p.cooldown) parts.push("cooling down: " + p.cooldown.reason);
    if (p.suspended) parts.push("suspended: " + p.suspended);
    return parts.join(" · ");
  }

  function renderCard(p) {
    let card = state.cards.get(p.id);
    if (!card) {
      card = buildCard(p);
      state.cards.set(p.id, card);
      $("providers").append(card.root);
    }
    const [cls, label] = displayState(p);
    const previous = state.lastStates.get(p.id);
    if (previous && previous !== cls) announce(p.id + " is now " + label);
    state.lastStates.set(p.id, cls);
    card.root.dataset.state = cls;
    card.badge.className = "badge " + cls;
    card.badge.textContent = label;
    card.reason.textContent = reasonOf(p);
    const live = p.live || {};
    const stats = p.stats || {};
    card.values.rps.textContent = num(live.requests_per_second, 2);
    card.values.p50.textContent = ms(live.latency_p50_ms);
    card.values.p99.textContent = ms(live.latency_p99_ms);
    card.values.ttft.textContent = live.ttft_p50_ms == null ? ms(stats.ttft_ms) : ms(live.ttft_p50_ms) + " / " + ms(live.ttft_p99_ms);
    card.values.err.textContent = pct(stats.error_rate);
    card.values.tokens.textContent = num(live.tokens_total) + " (" + num(live.tokens_per_second, 1) + "/s)";
    card.values.cost.textContent = money(live.cost_today);
    // A provider that is down is not ranked at all: its last score would only mislead.
    const sc = cls === "down" ? null : p.score;
    card.score.replaceChildren(sc
      ? el("span", {}, "Score ", el("strong", { text: sc.total.toFixed(2) }),
          " = latency " + sc.latency.toFixed(2) + ", errors " + sc.errors.toFixed(2) + ", quality " + sc.quality.toFixed(2)
          + ", cost " + sc.cost.toFixed(2) + ", load " + sc.load.toFixed(2) + ", headroom " + sc.headroom.toFixed(2))
      : el("span", { text: cls === "down" ? "No score while down" : "No score (disabled or no models)" }));
    // Enable lifts a suspension or brings back a disabled provider; on a card that is neither it would do nothing.
    card.enable.hidden = !(p.suspended || p.enabled === false);
    const inMaintenance = cls === "maintenance";
    card.maint.textContent = inMaintenance ? "End maintenance" : "Maintenance";
    card.maint.setAttribute("aria-label", (inMaintenance ? "End maintenance of " : "Put in maintenance: ") + p.id);
    card.maint.dataset.action = inMaintenance ? "enable" : "maintenance";
    renderChart(card, state.history.get(p.id) || []);
  }

  function buildCard(p) {
    const values = {};
    const stat = (key, label) => {
      values[key] = el("dd", { text: "–" });
      return el("div", {}, el("dt", { text: label }), values[key]);
    };
    const badge = el("span", { class: "badge unknown", text: "unknown" });
    const headingId = "provider-" + p.id;
    const chart = svg("svg", { class: "chart", viewBox: "0 0 300 70", preserveAspectRatio: "none", role: "img" });
    const chartTitle = svg("title", {});
    chart.append(chartTitle);
    const attempts = svg("polyline", { class: "attempts", points: "" });
    const failures = svg("polyline", { class: "failures", points: "" });
    chart.append(attempts, failures);
    const action = (label, path, extra) => el("button", {
      type: "button", class: "secondary", "aria-label": label + ": " + p.id, "data-action": path,
      onclick: (e) => act(p.id, e.currentTarget.dataset.action, e.currentTarget), ...extra,
    }, label);
    const maint = action("Maintenance", "maintenance");
    const enable = action("Enable", "enable", { hidden: true });
    const root = el("article", { class: "card", "aria-labelledby": headingId, "data-provider": p.id, "data-state": "unknown" },
      el("h3", { id: headingId }, el("span", { text: p.id }), badge),
      null);
    const reason = el("p", { class: "reason" });
    const score = el("p", { class: "score" });
    root.append(reason,
      el("dl", { class: "stats" }, stat("rps", "req/s (30 s)"), stat("p50", "latency p50"), stat("p99", "latency p99"),
        stat("ttft", "TTFT p50 / p99"), stat("err", "error rate (window)"), stat("tokens", "tokens"),
        stat("cost", "cost today")),
      score, chart,
      el("p", { class: "legend" }, "Upstream attempts/s ", el("span", { class: "a", text: "—" }), " failures/s ",
        el("span", { class: "f", text: "—" }), " last 5 min"),
      el("div", { class: "actions" }, action("Probe", "probe"), maint, enable));
    return { root, badge, reason, score, values, chart, chartTitle, attempts, failures, maint, enable };
  }

  function renderChart(card, points) {
    const n = points.length;
    const max = Math.max(1, ...points.map((p) => p[0]));
    const line = (i) => points.map((p, k) => {
      const x = n <= 1 ? 300 : (300 * (HISTORY - n + k)) / (HISTORY - 1);
      return x.toFixed(1) + "," + (68 - (p[i] / max) * 64).toFixed(1);
    }).join(" ");
    card.attempts.setAttribute("points", line(0));
    card.failures.setAttribute("points", line(1));
    const total = points.reduce((a, p) => a + p[0], 0);
    const failed = points.reduce((a, p) => a + p[1], 0);
    card.chartTitle.textContent = "Traffic over the last " + Math.round(n / 60) + " min: " + total + " attempts, "
      + failed + " failed, peak " + max + "/s";
  }

  function renderQuotas(q) {
    const body = $("quotas").tBodies[0];
    const rows = [];
    if (q) {
      for (const b of q.providers || []) rows.push(quotaRow("provider " + b.provider, b, null));
      for (const b of q.keys || []) rows.push(quotaRow("key " + b.key, b, b.queued));
    }
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No rate limits configured." })));
    body.replaceChildren(...rows);
  }

  function renderBudgets(b) {
    const body = $("budgets").tBodies[0];
    const rows = [];
    for (const x of (b && b.data) || []) {
      if (x.budget == null) continue;
      const name = x.scope + " " + x.name + " (" + x.period + ")";
      const used = x.used || 0;
      // At or over the budget is red, from the alert share (0.8) yellow: the meter's own regions say the same.
      const level = used >= 1 ? "over" : used >= 0.8 ? "warn" : "ok";
      rows.push(el("tr", { "data-level": level },
        el("th", { scope: "row", text: name }),
        el("td", { class: "used " + level }, el("meter", { min: "0", max: "1", low: "0.8", high: "0.9999", optimum: "0",
          value: String(Math.min(1, used)), "aria-label": "share spent of " + name }), " " + pct(x.used)),
        el("td", { class: "num", text: money(x.spent) + " / " + money(x.budget) }),
        el("td", { class: "num", text: x.projected == null ? "–" : money(x.projected) })));
    }
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No budgets configured." })));
    body.replaceChildren(...rows);
  }

  function quotaRow(name, b, queued) {
    const left = b.requests ? num(b.requests.available) + " / " + num(b.requests.capacity) : "unlimited";
    return el("tr", {},
      el("th", { scope: "row", text: name }),
      el("td", {}, el("meter", { min: "0", max: "1", low: "0.2", optimum: "1", value: String(b.headroom), "aria-label": "headroom of " + name }),
        " " + pct(b.headroom)),
      el("td", { class: "num", text: left }),
      el("td", { class: "num", text: queued == null ? "–" : String(queued) }));
  }

  function onTransition(kind, t) {
    addEventLine(kind, t);
    const p = state.providers.get(t.provider);
    if (kind === "health" && p) {
      p.health = Object.assign({}, p.health, { state: t.to, reason: t.reason });
      renderCard(p);
    }
  }

  function onBudget(b) {
    const list = $("events");
    const line = "budget: " + b.scope + " " + b.name + " " + b.level + " its " + b.period + " budget (" + money(b.spent) + " of " + money(b.budget) + ")";
    list.prepend(el("li", {}, el("span", { class: "time", text: time(b.at || Date.now()) }), line));
    announce(line);
    while (list.children.length > 50) list.lastChild.remove();
  }

  // An admin change to the running config (README: Audit trail): who, what, on what, and how it ended.
  function onAudit(a) {
    const list = $("events");
    const line = "config: " + a.who + " " + a.action + (a.target ? " " + a.target : "") + " → " + a.result;
    list.prepend(el("li", {}, el("span", { class: "time", text: time(a.at || Date.now()) }), line));
    announce(line);
  }

  // Every candidate of a request was refused by circuits or health alone, and they were tried anyway.
  function onPanic(p) {
    const list = $("events");
    list.prepend(el("li", {}, el("span", { class: "time", text: time(p.at || Date.now()) }),
      "panic routing: " + p.model + " (" + (p.refused || []).join("; ") + ")"));
    while (list.children.length > 50) list.lastChild.remove();
  }

  function addEventLine(kind, t) {
    const list = $("events");
    list.prepend(el("li", {}, el("span", { class: "time", text: time(t.at || Date.now()) }),
      kind + ": " + t.provider + " " + t.from + " → " + t.to + (t.reason ? " (" + t.reason + ")" : "")));
    while (list.children.length > 50) list.lastChild.remove();
  }

  function onFailover(f) {
    state.failovers.unshift(f);
    state.failovers.length = Math.min(state.failovers.length, 20);
    renderFailovers();
  }

  function renderFailovers() {
    const list = $("failovers");
    if (!state.failovers.length) {
      list.replaceChildren(el("li", { class: "empty", text: "None yet." }));
      return;
    }
    list.replaceChildren(...state.failovers.map((f) => {
      const chain = el("span", { class: "chain", "aria-label": "attempts" });
      (f.attempts || []).forEach((a, i) => {
        if (i) chain.append(" → ");
        const ok = /:2\d\d$/.test(a);
        chain.append(el("span", { class: "hop" + (ok ? " ok" : ""), text: a }));
      });
      return el("li", {}, el("span", { class: "time", text: time(f.at) }), f.model + ": ", chain,
        " " + (f.served_by ? "served by " + f.served_by : "failed"));
    }));
  }

  function onRequest(r) {
    const body = $("requests").tBodies[0];
    body.prepend(el("tr", {},
      el("td", { class: "num", text: time(r.at) }), el("td", { text: r.model || "–" }),
      el("td", { text: r.provider || "–" }), el("td", { class: "num", text: String(r.status) }),
      el("td", { text: (r.attempts || []).join(" → ") }), el("td", { class: "num", text: ms(r.duration_ms) }),
      el("td", { class: "num", text: ms(r.ttft_ms) }), el("td", { class: "num", text: num(r.tokens) })));
    while (body.rows.length > 15) body.deleteRow(body.rows.length - 1);
  }

  // ---- admin actions -----------------------------------------------------------------------------------------
  async function act(id, action, button) {
    button.disabled = true;
    try {
      const r = await fetch("/admin/providers/" + encodeURIComponent(id) + "/" + action, { method: "POST", headers: headers() });
      const body = await r.json().catch(() => null);
      if (!r.ok) {
        announce(action + " of " + id + " failed: " + (body && body.error ? body.error.message : r.status));
        return;
      }
      const old = state.providers.get(id) || {};
      body.live = old.live;
      state.providers.set(id, body);
      renderCard(body);
      announce(action + " of " + id + " done");
    } catch (e) {
      announce(action + " of " + id + " failed");
    } finally {
      button.disabled = false;
    }
  }

  // ---- cache (only when the gateway has a cache admin API) ---------------------------------------------------
  async function probeCache() {
    clearInterval(state.cacheTimer);
    if (await refreshCache()) state.cacheTimer = setInterval(refreshCache, 5000);
  }

  async function refreshCache() {
    let r;
    try { r = await fetch("/admin/cache", { headers: headers(), cache: "no-store" }); } catch (e) { return false; }
    if (r.status !== 200) { $("cache").hidden = true; return false; }
    const c = await r.json().catch(() => null);
    if (!c) return false;
    $("cache").hidden = false;
    const stats = c.stats || c;
    const hits = stats.hits, misses = stats.misses;
    const rate = stats.hit_rate != null ? stats.hit_rate : hits != null && misses != null && hits + misses > 0 ? hits / (hits + misses) : null;
    $("cache-hit-rate").textContent = pct(rate);
    const dl = $("cache-stats");
    const shown = (k, v) => (/bytes$/.test(k) ? bytes(v) : /_rate$/.test(k) ? pct(v)
      : typeof v === "number" ? num(v, 3) : String(v));
    dl.replaceChildren(...Object.entries(stats).filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
      .slice(0, 12).map(([k, v]) => el("div", { "data-stat": k }, el("dt", { text: k.replace(/_/g, " ") }), el("dd", { text: shown(k, v) }))));
    return true;
  }

  async function clearCache() {
    const r = await fetch("/admin/cache/clear", { method: "POST", headers: headers() }).catch(() => null);
    announce(r && r.ok ? "Cache cleared" : "Clearing the cache failed");
    refreshCache();
  }

  // Re-reads the config file on the gateway (README: Reload and runtime changes); the audit event lists it too.
  async function reloadConfig() {
    const r = await fetch("/admin/config/reload", { method: "POST", headers: headers() }).catch(() => null);
    const body = r ? await r.json().catch(() => null) : null;
    announce(r && r.ok ? "Config reload: " + (body && body.result)
      : "Config reload refused: " + (body && body.error ? body.error.message : "no answer"));
  }

  // ---- status, statistics, uptime, recommendations (polled every 5 s) -----------------------------------------
  async function refreshInsights() {
    if (state.stopped) return;
    const [status, stats, uptime, recs] = await Promise.all(["/status", "/admin/stats", "/admin/uptime",
      "/admin/recommendations"].map((p) => fetch(p, { headers: headers(), cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null)).catch(() => null)));
    if (state.stopped) return;
    renderStatus(status);
    renderStats(stats);
    renderUptime(uptime);
    renderRecommendations(recs);
  }

  function renderStatus(s) {
    const p = $("service-status");
    if (!s) { p.hidden = true; return; }
    const words = { healthy: "All services healthy", degraded: "Services degraded", critical: "Services critical" };
    const text = words[s.status] || s.status;
    if (p.dataset.status && p.dataset.status !== s.status) announce(text);
    p.hidden = false;
    p.dataset.status = s.status;
    const lines = Object.entries(s.services || {}).map(([k, v]) => k + ": " + v.message);
    p.title = lines.join("\n");
    p.textContent = text;
  }

  function renderStats(s) {
    const body = $("stats").tBodies[0];
    if (!s) return;
    $("stats-window").textContent = "last " + Math.round(s.window.duration_ms / 60000) + " min";
    $("stats-reset-at").textContent = new Date(s.since_reset.reset_at).toLocaleString();
    const rows = [];
    const row = (scope, w, r) => el("tr", { "data-scope": scope },
      el("th", { scope: "row", text: scope }),
      el("td", { class: "num", text: num(w.requests) }),
      el("td", { class: "num", text: pct(w.success_rate) }),
      el("td", { class: "num", text: num(w.failovers) }),
      el("td", { class: "num", text: ms(w.latency_avg_ms) }),
      el("td", { class: "num", text: ms(w.latency_p95_ms) }),
      el("td", { class: "num", text: money(w.cost) }),
      el("td", { class: "num since", text: r ? num(r.requests) + " · " + pct(r.success_rate) : "–" }));
    rows.push(row("overall", s.window.overall, s.since_reset.overall));
    for (const [kind, label] of [["services", "service"], ["providers", "provider"]]) {
      for (const [name, w] of Object.entries(s.window[kind] || {})) {
        rows.push(row(label + " " + name, w, (s.since_reset[kind] || {})[name]));
      }
    }
    body.replaceChildren(...rows);
  }

  async function resetStats() {
    const res = await adminJson("/admin/stats/reset", { method: "POST" });
    announce(res.ok ? "Statistics reset" : "Resetting the statistics failed: " + errorText(res));
    if (res.ok) renderStats(res.body);
  }

  function renderUptime(u) {
    const body = $("uptime").tBodies[0];
    if (!u) return;
    const share = (v) => (v === null || v === undefined ? "–" : v.toFixed(2) + "%");
    const rows = Object.entries(u.providers || {}).map(([id, x]) => el("tr", { "data-provider": id },
      el("th", { scope: "row", text: id }),
      el("td", { class: "num", text: share(x["24h"]) }),
      el("td", { class: "num", text: share(x["7d"]) }),
      el("td", { class: "num", text: share(x["30d"]) })));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No probed providers." })));
    body.replaceChildren(...rows);
  }

  function renderRecommendations(r) {
    const list = $("recommendations");
    if (!r) return;
    const items = (r.data || []).map((x) => el("li", { "data-type": x.type, "data-severity": x.severity },
      el("span", { text: x.message }), " ",
      el("span", { class: "evidence", text: Object.entries(x.evidence || {})
        .filter(([, v]) => v !== null && typeof v !== "object").map(([k, v]) => k + " " + v).join(", ") })));
    if (!items.length) items.push(el("li", { class: "empty", text: "None." }));
    list.replaceChildren(...items);
  }

  // ---- views: live, costs, keys (the live stream keeps running behind the other two) --------------------------
  const VIEWS = { live: "main", costs: "costs-view", keys: "keys-view", config: "config-view" };
  function viewFromHash() {
    const v = location.hash.replace("#", "");
    return VIEWS[v] ? v : "live";
  }
  function show(view) {
    state.view = view;
    for (const [v, id] of Object.entries(VIEWS)) $(id).hidden = v !== view;
    for (const tab of document.querySelectorAll(".view-tab")) {
      if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    if (view === "costs") loadCosts();
    if (view === "keys") loadKeys();
  }

  async function adminJson(path, options) {
    const r = await fetch(path, Object.assign({ cache: "no-store" }, options, {
      headers: Object.assign({}, headers(), (options && options.headers) || {}) }));
    const body = await r.json().catch(() => null);
    if (r.status === 401) logout(body && body.error ? body.error.message : "Admin key refused");
    return { ok: r.ok, status: r.status, body };
  }
  const errorText = (res) => (res.body && res.body.error ? res.body.error.message : "the gateway answered " + res.status);

  // ---- cost trend: daily cost per provider over the last 30 days, as stacked SVG bars ----------------------------
  const DAYS = 30;
  const PALETTE = ["#0b57d0", "#c2410c", "#0b6b2f", "#7c3aed", "#a1121b", "#0e7490", "#854d0e", "#be185d"];
  function dayIn(zone, millis) {
    const parts = {};
    try {
      for (const p of new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(new Date(millis))) parts[p.type] = p.value;
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (e) {
      return new Date(millis).toISOString().slice(0, 10);
    }
  }
  function lastDays() {
    const now = Date.now();
    const days = [];
    for (let i = DAYS - 1; i >= 0; i--) days.push(dayIn(state.zone, now - i * 86400000));
    return days;
  }

  async function loadCosts() {
    const days = lastDays();
    $("costs-summary").textContent = "Loading…";
    let res;
    try { res = await adminJson("/admin/costs?groupBy=day&from=" + days[0]); } catch (e) { res = { ok: false, status: 0, body: null }; }
    if (!res.ok || !res.body) {
      $("costs-summary").textContent = "Could not load costs: " + errorText(res);
      return;
    }
    if (res.body.currency && res.body.currency !== state.currency) { state.currency = res.body.currency; moneyFormats.clear(); }
    renderCosts(days, res.body);
  }

  function renderCosts(days, report) {
    const byDay = new Map((report.data || []).map((d) => [d.day, d]));
    // Only who cost something: cache hits are in the ledger too, at zero cost, under "cache".
    const spentBy = new Map();
    for (const d of report.data || []) {
      for (const [id, v] of Object.entries(d.by_provider || {})) spentBy.set(id, (spentBy.get(id) || 0) + v);
    }
    const providers = [...spentBy.keys()].filter((id) => spentBy.get(id) > 0).sort();
    const colour = (id) => PALETTE[providers.indexOf(id) % PALETTE.length];
    const totals = days.map((day) => (byDay.get(day) ? byDay.get(day).cost : 0));
    const max = Math.max(0, ...totals);
    const chart = $("cost-chart");
    const title = $("cost-chart-title");
    chart.replaceChildren(title);
    const W = 900, H = 260, left = 70, right = 10, top = 10, bottom = 40;
    const plotW = W - left - right, plotH = H - top - bottom;
    const slot = plotW / days.length;
    const barW = Math.max(2, slot * 0.7);
    const y = (v) => top + plotH - (max > 0 ? (v / max) * plotH : 0);
    // Axis and three grid lines, labelled in the currency.
    for (const f of [0, 0.5, 1]) {
      const v = max * f;
      chart.append(svg("line", { class: "grid", x1: left, x2: W - right, y1: y(v), y2: y(v) }));
      const label = svg("text", { class: "axis", x: left - 6, y: y(v) + 4, "text-anchor": "end" });
      label.textContent = money(v);
      chart.append(label);
    }
    days.forEach((day, i) => {
      const x = left + i * slot + (slot - barW) / 2;
      const d = byDay.get(day);
      let base = 0;
      for (const id of providers) {
        const v = d && d.by_provider ? d.by_provider[id] || 0 : 0;
        if (v <= 0) continue;
        const rect = svg("rect", { class: "bar", x: x.toFixed(1), y: y(base + v).toFixed(1), width: barW.toFixed(1),
          height: Math.max(1, y(base) - y(base + v)).toFixed(1), fill: colour(id), "data-day": day, "data-provider": id });
        const t = svg("title", {});
        t.textContent = day + " · " + id + ": " + money(v);
        rect.append(t);
        chart.append(rect);
        base += v;
      }
      if (i % 5 === 0 || i === days.length - 1) {
        const label = svg("text", { class: "axis", x: (x + barW / 2).toFixed(1), y: H - bottom + 16, "text-anchor": "middle" });
        label.textContent = day.slice(5);
        chart.append(label);
      }
    });
    const total = totals.reduce((a, b) => a + b, 0);
    const seen = totals.filter((t) => t > 0).length;
    title.textContent = "Daily cost by provider over the last " + DAYS + " days: " + money(total) + " in total, "
      + seen + " days with spend, highest " + money(max) + " a day";
    $("costs-summary").textContent = money(total) + " over the last " + DAYS + " days"
      + (report.month_to_date != null ? " · month to date " + money(report.month_to_date) : "")
      + (report.month_projected != null ? " · month projected " + money(report.month_projected) : "")
      + (seen ? "" : " · no spend recorded yet");
    $("cost-legend").replaceChildren(...providers.map((id) => el("li", { "data-provider": id },
      el("span", { class: "swatch", "aria-hidden": "true", "data-colour": colour(id) }), id + " " + money(spentBy.get(id)))));
    // Swatch colours through the CSSOM (the page's CSP forbids inline style attributes).
    for (const sw of $("cost-legend").querySelectorAll(".swatch")) sw.style.background = sw.dataset.colour;
  }

  // ---- client keys: create (the secret shown once), list, revoke -------------------------------------------------
  async function loadKeys() {
    let res;
    try { res = await adminJson("/admin/keys"); } catch (e) { res = { ok: false, status: 0, body: null }; }
    const body = $("keys").tBodies[0];
    if (!res.ok || !res.body) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "8", class: "empty", text: "Could not load keys: " + errorText(res) })));
      return;
    }
    const rows = (res.body.data || []).map(keyRow);
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "8", class: "empty", text: "No client keys: the gateway is open to anyone who can reach it." })));
    body.replaceChildren(...rows);
  }

  function keyRow(k) {
    const limits = k.limits ? [k.limits.rpm ? num(k.limits.rpm) + " req/min" : null, k.limits.tpm ? num(k.limits.tpm) + " tok/min" : null]
      .filter(Boolean).join(", ") : "default";
    const b = k.budget || {};
    const budget = [["daily", b.daily], ["weekly", b.weekly], ["monthly", b.monthly]].filter(([, v]) => v > 0)
      .map(([p, v]) => money(v) + " " + p).join(", ") || "none";
    const spent = k.spent ? money(k.spent.daily) + " / " + money(k.spent.monthly) : "–";
    const actions = el("td", {});
    if (k.source === "api") {
      const revoke = el("button", { type: "button", class: "secondary danger", "data-action": "revoke", "data-key": k.name,
        "aria-label": "Revoke key " + k.name }, "Revoke");
      // Two steps instead of confirm(): the first click arms the button, the second revokes.
      revoke.addEventListener("click", () => {
        if (revoke.dataset.armed !== "true") {
          revoke.dataset.armed = "true";
          revoke.textContent = "Confirm revoke";
          revoke.setAttribute("aria-label", "Confirm: revoke key " + k.name);
          return;
        }
        revokeKey(k.name, revoke);
      });
      actions.append(revoke);
    } else {
      actions.append(el("span", { class: "note", text: "in config file" }));
    }
    return el("tr", { "data-key": k.name },
      el("th", { scope: "row", text: k.name }), el("td", { text: k.source }),
      el("td", { text: (k.models || []).length ? k.models.join(", ") : "all" }), el("td", { text: limits }),
      el("td", { text: budget }), el("td", { class: "num", text: spent }),
      el("td", { class: "num", text: k.created ? new Date(k.created).toLocaleString() : "–" }), actions);
  }

  async function revokeKey(name, button) {
    button.disabled = true;
    const res = await adminJson("/admin/keys/" + encodeURIComponent(name), { method: "DELETE" })
      .catch(() => ({ ok: false, status: 0, body: null }));
    if (!res.ok) {
      $("key-error").textContent = "Revoking " + name + " failed: " + errorText(res);
      button.disabled = false;
      return;
    }
    announce("Key " + name + " revoked");
    loadKeys();
  }

  function numberField(id) {
    const v = $(id).value.trim();
    return v === "" ? undefined : Number(v);
  }

  async function createKey(e) {
    e.preventDefault();
    $("key-error").textContent = "";
    hideSecret();
    const spec = { name: $("key-name").value.trim() };
    const models = $("key-models").value.split(",").map((m) => m.trim()).filter(Boolean);
    if (models.length) spec.models = models;
    const rpm = numberField("key-rpm"), tpm = numberField("key-tpm");
    if (rpm !== undefined || tpm !== undefined) spec.limits = { rpm: rpm || 0, tpm: tpm || 0 };
    const budget = {};
    for (const p of ["daily", "weekly", "monthly"]) {
      const v = numberField("key-" + p);
      if (v !== undefined) budget[p] = v;
    }
    if (Object.keys(budget).length) spec.budget = budget;
    const button = $("key-create");
    button.disabled = true;
    let res;
    try {
      res = await adminJson("/admin/keys", { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify(spec) });
    } catch (err) {
      res = { ok: false, status: 0, body: null };
    } finally {
      button.disabled = false;
    }
    if (!res.ok || !res.body || !res.body.key) {
      $("key-error").textContent = "The key was not created: " + errorText(res);
      return;
    }
    $("key-form").reset();
    $("key-secret-value").textContent = res.body.key;
    $("key-secret").hidden = false;
    $("key-copy").focus();
    announce("Key " + res.body.name + " created; copy its secret now");
    loadKeys();
  }

  // The secret lives only in this box until it is dismissed, the page changes view or the admin logs out.
  function hideSecret() {
    $("key-secret-value").textContent = "";
    $("key-copy-status").textContent = "";
    $("key-secret").hidden = true;
  }

  async function copySecret() {
    const text = $("key-secret-value").textContent;
    try {
      await navigator.clipboard.writeText(text);
      $("key-copy-status").textContent = "Copied.";
    } catch (e) {
      // No clipboard permission (plain http, headless): select it so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents($("key-secret-value"));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      $("key-copy-status").textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
    }
  }

  // ---- config view: runtime changes through the admin config endpoints ------------------------------------------
  // Each problem the gateway names ("providers.a.weight: must be ...") marks the input whose data-field is the first
  // part of its path after the entry's name; the whole message also goes to the form's alert line.
  function fieldOf(path, section, name) {
    let rest = path;
    const prefix = section + "." + name + ".";
    if (rest.startsWith(prefix)) rest = rest.slice(prefix.length);
    return rest.split(/[.[]/)[0];
  }

  function clearFieldErrors(form) {
    for (const e of form.querySelectorAll(".field-error")) e.remove();
    for (const e of form.querySelectorAll("[aria-invalid]")) {
      e.removeAttribute("aria-invalid");
      e.removeAttribute("aria-describedby");
    }
  }

  function showFieldErrors(form, res, section, name) {
    const err = res.body && res.body.error;
    const problems = (res.body && res.body.problems) || (err && err.param ? [err.param + ": " + err.message] : []);
    let marked = 0;
    for (const p of problems) {
      const colon = p.indexOf(": ");
      if (colon < 0) continue;
      const field = fieldOf(p.slice(0, colon), section, name);
      const input = form.querySelector("[data-field='" + CSS.escape(field) + "']");
      if (!input || input.getAttribute("aria-invalid")) continue;
      const id = input.id + "-error";
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", id);
      input.after(el("span", { id, class: "field-error", "data-for": field, text: p.slice(colon + 2) }));
      marked++;
    }
    return marked;
  }

  async function configChange(form, errorId, resultId, section, name, path, method, body) {
    clearFieldErrors(form);
    $(errorId).textContent = "";
    $(resultId).textContent = "";
    if (!name) {
      const first = form.querySelector("[required]");
      first.setAttribute("aria-invalid", "true");
      $(errorId).textContent = "Name the " + (section === "models" ? "alias" : "provider") + " first.";
      first.focus();
      return;
    }
    let res;
    try {
      res = await adminJson(path, body === undefined ? { method }
        : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    } catch (err) {
      res = { ok: false, status: 0, body: null };
    }
    if (!res.ok) {
      showFieldErrors(form, res, section, name);
      $(errorId).textContent = "Not changed: " + errorText(res);
      const bad = form.querySelector("[aria-invalid]");
      if (bad) bad.focus();
      return;
    }
    const text = name + ": " + (res.body && res.body.result ? res.body.result : "done");
    $(resultId).textContent = text;
    announce(text);
  }

  const listField = (id) => $(id).value.split(",").map((m) => m.trim()).filter(Boolean);

  function providerChange(e, action) {
    if (e) e.preventDefault();
    const form = $("provider-form");
    const id = $("provider-id").value.trim();
    const path = "/admin/providers/" + encodeURIComponent(id);
    if (action === "remove") return configChange(form, "provider-error", "provider-result", "providers", id, path, "DELETE");
    const fields = {};
    const weight = numberField("provider-weight");
    if (weight !== undefined) fields.weight = weight;
    if ($("provider-enabled").value) fields.enabled = $("provider-enabled").value === "true";
    const models = listField("provider-models");
    if (models.length) fields.models = models;
    if (action === "add") {
      for (const [f, input] of [["type", "provider-type"], ["base_url", "provider-base-url"], ["api_key", "provider-api-key"]]) {
        const v = $(input).value.trim();
        if (v) fields[f] = v;
      }
      return configChange(form, "provider-error", "provider-result", "providers", id, path, "PUT", fields)
        .then(() => { $("provider-api-key").value = ""; });
    }
    return configChange(form, "provider-error", "provider-result", "providers", id, path, "PATCH", fields);
  }

  async function rotateKey(e) {
    e.preventDefault();
    const id = $("rotate-id").value.trim();
    const key = $("rotate-key").value;
    // The new key leaves the page with this request only: the field is cleared whatever the answer.
    $("rotate-key").value = "";
    await configChange($("rotate-form"), "rotate-error", "rotate-result", "providers", id,
      "/admin/providers/" + encodeURIComponent(id) + "/key", "POST", { api_key: key });
  }

  function aliasChange(e, remove) {
    if (e) e.preventDefault();
    const name = $("alias-name").value.trim();
    const path = "/admin/models/" + encodeURIComponent(name);
    if (remove) return configChange($("alias-form"), "alias-error", "alias-result", "models", name, path, "DELETE");
    const targets = listField("alias-targets").map((t) => {
      const slash = t.indexOf("/");
      return slash < 0 ? { provider: t } : { provider: t.slice(0, slash), model: t.slice(slash + 1) };
    });
    const entry = { targets };
    if ($("alias-strategy").value) entry.strategy = $("alias-strategy").value;
    return configChange($("alias-form"), "alias-error", "alias-result", "models", name, path, "PUT", entry);
  }

  // ---- start -------------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("login").addEventListener("submit", (e) => {
      e.preventDefault();
      const key = $("admin-key").value.trim();
      $("admin-key").value = "";
      if (key) login(key);
    });
    $("logout").addEventListener("click", () => logout());
    $("cache-clear").addEventListener("click", clearCache);
    $("config-reload").addEventListener("click", reloadConfig);
    $("stats-reset").addEventListener("click", resetStats);
    for (const tab of document.querySelectorAll(".view-tab")) {
      tab.addEventListener("click", () => {
        if (tab.dataset.view !== state.view) hideSecret();
        history.replaceState(null, "", tab.dataset.view === "live" ? location.pathname : "#" + tab.dataset.view);
        show(tab.dataset.view);
      });
    }
    $("costs-refresh").addEventListener("click", loadCosts);
    $("key-form").addEventListener("submit", createKey);
    $("provider-form").addEventListener("submit", (e) => providerChange(e, "update"));
    $("provider-add").addEventListener("click", (e) => providerChange(e, "add"));
    $("provider-remove").addEventListener("click", (e) => providerChange(e, "remove"));
    $("rotate-form").addEventListener("submit", rotateKey);
    $("alias-form").addEventListener("submit", (e) => aliasChange(e, false));
    $("alias-remove").addEventListener("click", (e) => aliasChange(e, true));
    $("key-copy").addEventListener("click", copySecret);
    $("key-secret-done").addEventListener("click", hideSecret);
    const saved = sessionStorage.getItem(KEY);
    if (saved) login(saved);
  });
})();
