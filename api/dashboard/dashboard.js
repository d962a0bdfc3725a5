// herald's live dashboard: polls GET /v1/stats/rates every POLL_MS and
// draws one card per tenant, busiest first: a uPlot chart of the last 15
// minutes by outcome, the window's totals, queue, quota and storage bars,
// and the tenant's breakers with buttons that call the admin routes.
//
// The admin key is asked for once per browser tab and kept in
// sessionStorage (gone with the tab); it is sent only as
// `Authorization: Bearer`, never in a URL. A 401 or 403 forgets it and asks
// again. The DOM is built with textContent only: nothing the API answers
// is parsed as HTML.
"use strict";

(function () {
  const KEY_STORE = "herald.admin_key";
  const POLL_MS = 2000;
  const RATES = "/v1/stats/rates?window=15m&step=10s";
  const CHART_HEIGHT = 150;
  const OPEN_SECONDS = 3600; // what the Open buttons ask for
  // The spec's outcomes, each with the colour of its line.
  const COLOURS = {
    accepted: "#2b6cb0",
    duplicate: "#805ad5",
    refused: "#c53030",
    delivered: "#2f855a",
    deferred: "#d69e2e",
    bounced: "#dd6b20",
    unknown: "#718096",
    dead: "#1a202c",
  };

  const $ = (id) => document.getElementById(id);
  const cards = new Map(); // tenant -> {card, chartBox, plot, details, head}
  let timer = null;
  let polling = false;

  // ---- small DOM helpers ---------------------------------------------------------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    return Number(v).toLocaleString("en-US", {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0,
    });
  }

  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    let v = Number(n);
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? String(v) : v.toFixed(1)) + " " + units[i];
  }

  // A labelled bar: `used` of `limit` (no bar when there is no limit).
  function bar(label, used, limit, show) {
    const row = el("div", "bar-row");
    row.append(el("span", "bar-label", label));
    if (limit === null || limit === undefined) {
      row.append(el("span", "bar-text wide", show(used) + " (no limit)"));
      return row;
    }
    const p = el("progress", "bar");
    p.max = Math.max(1, Number(limit));
    p.value = Math.min(Number(used), p.max);
    const pct = (100 * Number(used)) / Math.max(1, Number(limit));
    if (pct >= 100) p.classList.add("full");
    else if (pct >= 80) p.classList.add("high");
    row.append(p, el("span", "bar-text", show(used) + " / " + show(limit) + " (" + pct.toFixed(0) + " %)"));
    return row;
  }

  // ---- the key -------------------------------------------------------------------

  function key() {
    return sessionStorage.getItem(KEY_STORE);
  }

  function askForKey(message) {
    sessionStorage.removeItem(KEY_STORE);
    stop();
    $("board").hidden = true;
    $("forget").hidden = true;
    $("login").hidden = false;
    const err = $("login-error");
    err.hidden = !message;
    err.textContent = message || "";
    setStatus("not connected", "");
    $("key").focus();
  }

  function setStatus(text, cls) {
    const s = $("status");
    s.textContent = text;
    s.className = "status " + (cls || "");
  }

  // ---- talking to herald ---------------------------------------------------------

  async function call(method, path, body) {
    const init = {
      method: method,
      cache: "no-store",
      headers: { Authorization: "Bearer " + key() },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let doc = null;
    try {
      doc = await res.json();
    } catch (e) {
      doc = null;
    }
    return { status: res.status, doc: doc };
  }

  function errorText(answer) {
    const e = answer.doc && answer.doc.error;
    return e ? e.code + ": " + e.message : "HTTP " + answer.status;
  }

  async function poll() {
    if (polling || !key()) return;
    polling = true;
    try {
      const answer = await call("GET", RATES);
      if (answer.status === 401 || answer.status === 403) {
        askForKey("The key was refused (" + errorText(answer) + "): an admin key is needed.");
        return;
      }
      if (answer.status !== 200 || !answer.doc) {
        setStatus("error: " + errorText(answer), "bad");
        return;
      }
      render(answer.doc);
      setStatus("updated " + new Date(answer.doc.now_ms).toLocaleTimeString(), "ok");
    } catch (e) {
      setStatus("herald does not answer: " + e.message, "bad");
    } finally {
      polling = false;
    }
  }

  function start() {
    $("login").hidden = true;
    $("board").hidden = false;
    $("forget").hidden = false;
    stop();
    poll();
    timer = setInterval(poll, POLL_MS);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  async function breakerAction(button, tenant, action, kind, subject) {
    button.disabled = true;
    const body = {};
    if (subject) body.subject = subject;
    if (action === "open") body.seconds = OPEN_SECONDS;
    const path =
      "/v1/tenants/" + encodeURIComponent(tenant) + "/breakers/" + encodeURIComponent(kind) + "/" + action;
    try {
      const answer = await call("POST", path, body);
      if (answer.status === 200)
        setStatus(tenant + ": " + kind + " breaker " + answer.doc.state + " (" + answer.doc.changed + " changed)", "ok");
      else setStatus(tenant + ": " + action + " refused: " + errorText(answer), "bad");
    } catch (e) {
      setStatus("herald does not answer: " + e.message, "bad");
    }
    button.disabled = false;
    poll();
  }

  // ---- drawing -------------------------------------------------------------------

  function render(data) {
    renderAlert(data);
    renderTotals(data);
    const tenants = (data.tenants || []).slice().sort((a, b) => b.rate - a.rate || (a.tenant < b.tenant ? -1 : 1));
    const seen = new Set();
    const box = $("tenants");
    tenants.forEach((t, i) => {
      seen.add(t.tenant);
      let c = cards.get(t.tenant);
      if (!c) {
        c = makeCard(t.tenant);
        cards.set(t.tenant, c);
      }
      if (box.children[i] !== c.card) box.insertBefore(c.card, box.children[i] || null);
      fillCard(c, t, data);
    });
    for (const [name, c] of cards) {
      if (seen.has(name)) continue;
      if (c.plot) c.plot.destroy();
      c.card.remove();
      cards.delete(name);
    }
    $("empty").hidden = tenants.length > 0;
  }

  function renderAlert(data) {
    const lines = [];
    for (const t of data.tenants || []) {
      for (const b of t.breakers || []) {
        if (b.state === "open")
          lines.push("Breaker open: " + t.tenant + " (" + b.kind + (b.subject ? " " + b.subject : "") + ")");
      }
      if (t.breaker === "open" && !(t.breakers || []).some((b) => b.state === "open"))
        lines.push("Breaker open: " + t.tenant);
    }
    if (data.backpressure && data.backpressure.on)
      lines.push("Backpressure on: herald refuses new work" + (data.backpressure.reason ? " (" + data.backpressure.reason + ")" : ""));
    const a = $("alert");
    a.replaceChildren(...lines.map((l) => el("div", "alert-line", l)));
    a.hidden = lines.length === 0;
  }

  function renderTotals(data) {
    const q = data.queue || {};
    const box = $("totals");
    box.replaceChildren(
      stat("ready", num(q.ready)),
      stat("in flight", num(q.in_flight)),
      stat("deferred", num(q.deferred)),
      stat("dead", num(q.dead)),
      stat("backpressure", data.backpressure && data.backpressure.on ? "on" : "off"),
      stat("window", data.window_s + " s, step " + data.step_s + " s"),
    );
  }

  function stat(label, value) {
    const s = el("div", "stat");
    s.append(el("span", "stat-value", value), el("span", "stat-label", label));
    return s;
  }

  function makeCard(tenant) {
    const card = el("article", "tenant");
    card.dataset.tenant = tenant;
    const head = el("header", "tenant-head");
    const chartBox = el("div", "chart");
    const details = el("div", "details");
    card.append(head, chartBox, details);
    return { card: card, head: head, chartBox: chartBox, details: details, plot: null, breakerBox: null, breakerSig: "" };
  }

  function fillCard(c, t, data) {
    const state = t.breaker || "closed";
    c.card.dataset.breaker = state;
    const rate = el("span", "rate", num(t.rate, 1));
    const breaker = el("span", "breaker state-" + state, "breaker " + state.replace("_", "-"));
    breaker.dataset.state = state;
    const parts = [
      el("h2", "name", t.tenant),
      labelled(rate, "msg/s offered"),
      labelled(el("span", "sent", num(t.sent_rate, 1)), "delivered/s"),
      breaker,
    ];
    if (t.paused) parts.push(el("span", "paused", "paused"));
    c.head.replaceChildren(...parts);
    drawChart(c, t, data);
    // The breakers' box is rebuilt only when they change, so a button is
    // not replaced under the pointer while nothing happened to it.
    const sig = JSON.stringify(t.breakers || []);
    if (c.breakerSig !== sig || !c.breakerBox) {
      c.breakerSig = sig;
      c.breakerBox = breakers(t);
    }
    c.details.replaceChildren(outcomeTable(t), usage(t), c.breakerBox);
  }

  function labelled(value, label) {
    const s = el("span", "figure");
    s.append(value, el("span", "unit", label));
    return s;
  }

  // The chart: each outcome's rate, both channels summed.
  function drawChart(c, t, data) {
    const xs = (data.t || []).map((ms) => ms / 1000);
    const outcomes = data.outcomes || Object.keys(COLOURS);
    const ys = outcomes.map((o) =>
      xs.map((_, i) => {
        let v = 0;
        for (const ch of Object.keys(t.series || {})) {
          const s = t.series[ch][o];
          if (s && s[i] !== null && s[i] !== undefined) v += s[i];
        }
        return v;
      }),
    );
    const width = Math.max(300, c.chartBox.clientWidth || 600);
    if (!c.plot || c.plot.series.length !== outcomes.length + 1) {
      if (c.plot) c.plot.destroy();
      c.plot = new uPlot(
        {
          width: width,
          height: CHART_HEIGHT,
          series: [{}].concat(
            outcomes.map((o) => ({ label: o, stroke: COLOURS[o] || "#999", width: 1.5, points: { show: false } })),
          ),
          axes: [{}, { label: "msg/s", size: 60 }],
          scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
          legend: { live: false },
        },
        [xs].concat(ys),
        c.chartBox,
      );
    } else {
      if (Math.abs(c.plot.width - width) > 2) c.plot.setSize({ width: width, height: CHART_HEIGHT });
      c.plot.setData([xs].concat(ys));
    }
  }

  function outcomeTable(t) {
    const table = el("table", "outcomes");
    const head = el("tr");
    const row = el("tr");
    for (const [o, n] of Object.entries(t.totals || {})) {
      const th = el("th", null, o);
      th.dataset.outcome = o;
      head.append(th);
      const td = el("td", null, num(n));
      td.dataset.outcome = o;
      row.append(td);
    }
    table.append(el("caption", null, "in the window"), head, row);
    return table;
  }

  function usage(t) {
    const box = el("div", "usage");
    const q = t.queue || {};
    box.append(el("div", "queued", "queued now: " + num(q.queued)));
    const lat = t.latency_ms || {};
    box.append(
      el(
        "div",
        "latency",
        "enqueue → delivered: " +
          (lat.count ? "p50 " + num(lat.p50) + " ms, p90 " + num(lat.p90) + " ms, p99 " + num(lat.p99) + " ms (" + num(lat.count) + ")" : "no deliveries"),
      ),
    );
    for (const [ch, periods] of Object.entries(t.quota || {})) {
      for (const [period, v] of Object.entries(periods || {})) {
        box.append(bar("quota " + ch + " / " + period, v.used, v.limit, num));
      }
    }
    const s = t.storage || {};
    box.append(bar("storage bytes", s.bytes, s.bytes_limit, bytes));
    box.append(bar("storage messages", s.messages, s.messages_limit, num));
    return box;
  }

  function breakers(t) {
    const box = el("div", "breakers");
    box.append(el("h3", null, "breakers"));
    const list = t.breakers || [];
    if (list.length === 0) box.append(el("p", "none", "none open or half-open"));
    for (const b of list) {
      const row = el("div", "breaker-row state-" + b.state);
      row.dataset.kind = b.kind;
      row.dataset.state = b.state;
      row.append(el("span", "what", b.kind + (b.subject ? " " + b.subject : "")), el("span", "state", b.state.replace("_", "-")));
      if (b.why) row.append(el("span", "why", b.why));
      row.append(button("Reset", "reset", t.tenant, b.kind, b.subject));
      if (b.state !== "open") row.append(button("Open", "open", t.tenant, b.kind, b.subject));
      box.append(row);
    }
    if (!list.some((b) => b.kind === "tenant" && b.state === "open")) {
      const row = el("div", "breaker-row");
      row.append(button("Open tenant breaker for 1 h", "open", t.tenant, "tenant", ""));
      box.append(row);
    }
    return box;
  }

  function button(text, action, tenant, kind, subject) {
    const b = el("button", "action " + action, text);
    b.type = "button";
    b.dataset.action = action;
    b.dataset.kind = kind;
    b.addEventListener("click", () => breakerAction(b, tenant, action, kind, subject));
    return b;
  }

  // ---- start ---------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("login").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const k = $("key").value.trim();
      if (!k) return;
      sessionStorage.setItem(KEY_STORE, k);
      $("key").value = "";
      start();
    });
    $("forget").addEventListener("click", () => askForKey(""));
    window.addEventListener("resize", () => {
      for (const c of cards.values())
        if (c.plot) c.plot.setSize({ width: Math.max(300, c.chartBox.clientWidth), height: CHART_HEIGHT });
    });
    if (key()) start();
    else askForKey("");
  });
})();
