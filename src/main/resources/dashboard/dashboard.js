// Switchboard dashboard: plain JS, no dependencies. The admin key lives in sessionStorage and travels only in the
// Authorization header (fetch with a stream reader, since EventSource cannot send headers).
"use strict";

(function () {
  const KEY = "switchboard.adminKey";
  const HISTORY = 300;
  const $ = (id) => document.getElementById(id);
  const state = {
    key: null, abort: null, retry: 0, providers: new Map(), history: new Map(), cards: new Map(),
    failovers: [], requests: [], lastStates: new Map(), cacheTimer: null, stopped: true,
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
    $("main").hidden = false;
    state.stopped = false;
    connect();
  }

  function logout(message) {
    state.stopped = true;
    state.key = null;
    sessionStorage.removeItem(KEY);
    if (state.abort) state.abort.abort();
    clearInterval(state.cacheTimer);
    $("login").hidden = false;
    $("logout").hidden = true;
    $("main").hidden = true;
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
      case "request": onRequest(body); break;
      case "dropped": $("stream-note").textContent = body.dropped_total + " events were dropped because this page fell behind."; break;
      case "bye": setConnection("Gateway shutting down", "error"); break;
    }
  }

  // ---- handlers ----------------------------------------------------------------------------------------------
  function onHello(h) {
    // The cache panel appears only when the gateway mounts a cache admin API and it answers 200.
    if (h.features && h.features.cache) probeCache();
    else { clearInterval(state.cacheTimer); $("cache").hidden = true; }
    state.history.clear();
    for (const point of h.history || []) addPoint(point.providers);
    $("events").replaceChildren();
    state.failovers = [];
    for (const r of h.recent || []) {
      if (r.event === "failover") state.failovers.unshift(r.data);
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
    card.values.cost.textContent = live.cost_today == null ? "–" : live.cost_today.toFixed(4);
    const sc = p.score;
    card.score.replaceChildren(sc
      ? el("span", {}, "Score ", el("strong", { text: sc.total.toFixed(2) }),
          " = latency " + sc.latency.toFixed(2) + ", errors " + sc.errors.toFixed(2) + ", quality " + sc.quality.toFixed(2)
          + ", cost " + sc.cost.toFixed(2) + ", load " + sc.load.toFixed(2) + ", headroom " + sc.headroom.toFixed(2))
      : el("span", { text: "No score (disabled or no models)" }));
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
      el("div", { class: "actions" }, action("Probe", "probe"), maint, action("Enable", "enable")));
    return { root, badge, reason, score, values, chart, chartTitle, attempts, failures, maint };
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
      rows.push(el("tr", {},
        el("th", { scope: "row", text: name }),
        el("td", {}, el("meter", { min: "0", max: "1", high: "0.8", optimum: "0", value: String(Math.min(1, x.used || 0)),
          "aria-label": "share spent of " + name }), " " + pct(x.used)),
        el("td", { class: "num", text: x.spent.toFixed(4) + " / " + x.budget }),
        el("td", { class: "num", text: x.projected == null ? "–" : x.projected.toFixed(2) })));
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
    const line = "budget: " + b.scope + " " + b.name + " " + b.level + " its " + b.period + " budget (" + b.spent + " of " + b.budget + ")";
    list.prepend(el("li", {}, el("span", { class: "time", text: time(b.at || Date.now()) }), line));
    announce(line);
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
    dl.replaceChildren(...Object.entries(stats).filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
      .slice(0, 12).map(([k, v]) => el("div", {}, el("dt", { text: k.replace(/_/g, " ") }), el("dd", { text: String(v) }))));
    return true;
  }

  async function clearCache() {
    const r = await fetch("/admin/cache/clear", { method: "POST", headers: headers() }).catch(() => null);
    announce(r && r.ok ? "Cache cleared" : "Clearing the cache failed");
    refreshCache();
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
    const saved = sessionStorage.getItem(KEY);
    if (saved) login(saved);
  });
})();
