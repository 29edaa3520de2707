/*
 * app.js - the page of mrctl web. It polls two JSON endpoints of the
 * server it came from: /api/status (the `mrctl status --json` document,
 * its task list cut to the page shown) and /api/history?since=N (the
 * attempts and workers that changed since the last answer). Everything
 * from the job is put in the page as text (textContent), never as HTML.
 */
"use strict";

const POLL_MS = 1000;
const OUTCOMES = [
  ["done", "--done", "done"], ["backup-won", "--backup", "backup won"],
  ["running", "--running", "running"], ["failed", "--failed", "failed"],
  ["lost", "--lost", "lost with its worker"], ["timeout", "--timeout", "timed out"],
  ["stale", "--stale", "stale"], ["cancelled", "--cancelled", "cancelled"],
  ["backup-lost", "--stale", "backup lost"]
];
const ROWS_MAX = 500;		/* workers and failures listed at most */

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const colour = {};
const state = {
  seq: 0, attempts: new Map(), workers: new Map(), status: null, history: null,
  sort: "id", desc: false, offset: 0, over: false, live: true, timer: null,
  rows: [], span: 1
};

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function num(n) { return Number(n || 0).toLocaleString("en-US"); }

function secs(s) {
  if (s === null || s === undefined || !(s >= 0)) return "–";
  if (s < 59.95) return s.toFixed(1) + " s";
  const t = Math.round(s);
  if (t < 3600) return Math.floor(t / 60) + "m" + String(t % 60).padStart(2, "0") + "s";
  return Math.floor(t / 3600) + "h" + String(Math.floor(t % 3600 / 60)).padStart(2, "0") + "m";
}

function plural(n, word) { return num(n) + " " + word + (n === 1 ? "" : "s"); }

function mb(b) { return (Number(b || 0) / 1e6).toFixed(1) + " MB"; }

function headers() { return token ? { "X-MR-Token": token } : {}; }

async function getJSON(url) {
  const r = await fetch(url, { headers: headers(), cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function taskLabel(kind, id) { return (kind === "reduce" ? "reduce " : "map ") + id; }

/* ---------------------------------------------------------------- */
/* Overview */

function setBar(id, done, running, total) {
  const bar = $(id);
  const d = total > 0 ? done / total * 100 : 0;
  const r = total > 0 ? running / total * 100 : 0;
  bar.querySelector(".done").style.width = d + "%";
  const run = bar.querySelector(".running");
  run.style.left = d + "%";
  run.style.width = r + "%";
  $(id + "-text").textContent = num(done) + " of " + num(total) + " done" +
    (running > 0 ? ", " + plural(running, "attempt") + " running" : "");
}

function kindCounts(kind) {
  /* From the attempts: tasks done and running of one kind. */
  const done = new Set(), running = new Set();
  for (const a of state.attempts.values()) {
    if (a.kind !== kind) continue;
    if (a.outcome === "done" || a.outcome === "backup-won") done.add(a.task);
    else if (a.outcome === "running") running.add(a.task);
  }
  for (const t of done) running.delete(t);
  return { done: done.size, running: running.size };
}

function renderOverview() {
  const st = state.status, job = st.job, h = state.history;
  const outcome = job.outcome || (h && h.outcome) || null;
  const phase = $("phase");
  phase.textContent = outcome ? outcome : job.phase;
  phase.className = "badge " + (outcome || job.phase);
  $("fig-elapsed").textContent = secs(job.elapsed);
  $("fig-eta").textContent = outcome ? "–" : (job.eta === null ? "unknown" : secs(job.eta));
  $("fig-done").textContent = num(job.done) + " of " + num(job.map_tasks + job.reduce_tasks);
  $("fig-running").textContent = num(job.running);
  $("fig-waiting").textContent = num(job.waiting);
  $("fig-workers").textContent = num(st.workers.length);
  $("fig-input").textContent = mb(job.input_bytes_done) + " of " + mb(job.input_bytes);
  $("fig-rate").textContent = Number(job.mb_per_s || 0).toFixed(1) + " MB/s";
  const ra = job.run_again || {};
  $("fig-again").textContent = num((ra.timed_out || 0) + (ra.lost || 0) + (ra.failed || 0)) +
    " (" + num(ra.timed_out) + " timed out, " + num(ra.lost) + " lost, " + num(ra.failed) + " failed)";
  const b = job.backups || {};
  $("fig-backups").textContent = (b.running !== undefined ? num(b.running) + " running, " : "") +
    num(b.won) + " won, " + num(b.lost) + " lost";

  /* The bars, from the attempts: kept tasks count as done. */
  const m = kindCounts("map"), r = kindCounts("reduce");
  setBar("bar-map", Math.min(m.done, job.map_tasks), m.running, job.map_tasks);
  setBar("bar-reduce", Math.min(r.done, job.reduce_tasks), r.running, job.reduce_tasks);

  const tbody = $("counters").tBodies[0];
  clear(tbody);
  const names = Object.keys(st.counters || {}).sort();
  for (const n of names) {
    const tr = el("tr");
    tr.dataset.name = n;
    tr.append(el("td", n), el("td", num(st.counters[n]), "value"));
    tbody.append(tr);
  }
  $("counters-none").hidden = names.length > 0;

  let src = h && !h.live ? "report " + h.source : "";
  if (h && h.live) src = "job in " + job.job_dir + " · coordinator pid " + job.pid + " · " + job.socket;
  $("source").textContent = src;

  const ob = $("outcome");
  if (outcome) {
    ob.hidden = false;
    ob.className = "banner " + (outcome === "done" ? "good" : "bad");
    let text = outcome === "done" ? "The job is done: every output is final, after " + secs(job.elapsed) + "." :
      outcome === "interrupted" ? "The job was interrupted (cancelled or stopped) after " + secs(job.elapsed) +
        "; its outputs are not all final." :
      "The job failed after " + secs(job.elapsed) + ".";
    const why = job.failure || (h && h.failure);
    if (why) text += " " + why;
    ob.textContent = text;
  } else ob.hidden = true;
  const pb = $("problem");
  pb.hidden = !(h && h.problem);
  if (h && h.problem) pb.textContent = "Cannot reach the coordinator: " + h.problem;
  $("cancel-box").hidden = !(h && h.live) || !!outcome;
}

function renderRateChart() {
  const c = $("rate-chart"), g = c.getContext("2d");
  const W = c.width, H = c.height, pad = 22;
  g.clearRect(0, 0, W, H);
  const end = state.span;
  const bins = 60, bw = end / bins, sum = new Float64Array(bins);
  for (const a of state.attempts.values()) {
    if (a.kind !== "map" || a.kept || a.end === null || !a.bytes_read) continue;
    if (a.outcome !== "done" && a.outcome !== "backup-won") continue;
    sum[Math.min(bins - 1, Math.max(0, Math.floor(a.end / bw)))] += a.bytes_read;
  }
  let max = 0;
  for (let i = 0; i < bins; i++) { sum[i] = sum[i] / bw / 1e6; max = Math.max(max, sum[i]); }
  g.fillStyle = "#5f6b76";
  g.font = "11px sans-serif";
  g.fillText(max > 0 ? max.toFixed(1) + " MB/s" : "nothing read yet", 4, 12);
  g.fillText("0", 4, H - 4);
  g.fillText(secs(end), W - 40, H - 4);
  if (max <= 0) return;
  g.fillStyle = colour.running;
  const pw = (W - pad - 4) / bins;
  for (let i = 0; i < bins; i++) {
    const h = sum[i] / max * (H - 2 * pad + 8);
    g.fillRect(pad + i * pw, H - pad + 6 - h, Math.max(1, pw - 1), h);
  }
}

/* ---------------------------------------------------------------- */
/* Timeline: one row per worker; attempts narrower than 3 px are summed
 * per pixel column instead of drawn, coloured by their commonest
 * outcome, a failure, loss or timeout winning over the rest. */

function renderLegend() {
  const lg = $("legend");
  clear(lg);
  for (const [name, , label] of OUTCOMES) {
    if (name === "backup-lost") continue;
    const s = el("span");
    const i = el("i");
    i.style.background = colour[name];
    s.append(i, document.createTextNode(label));
    lg.append(s);
  }
}

function renderTimeline() {
  const c = $("timeline"), box = c.parentElement;
  const workers = [...state.workers.values()].sort((a, b) => a.id - b.id);
  const rowOf = new Map();
  workers.forEach((w, i) => rowOf.set(w.id, i));
  const n = Math.max(1, workers.length);
  const rh = Math.max(3, Math.min(22, Math.floor(420 / n)));
  const labelW = rh >= 10 ? 150 : 40, axis = 20;
  const cssW = Math.max(300, box.clientWidth - 2);
  const cssH = n * rh + axis + 4;
  const dpr = window.devicePixelRatio || 1;
  c.width = Math.round(cssW * dpr);
  c.height = Math.round(cssH * dpr);
  c.style.height = cssH + "px";
  const g = c.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  const plotW = cssW - labelW - 8, end = state.span;
  const x = t => labelW + Math.max(0, Math.min(1, t / end)) * plotW;

  g.font = "11px sans-serif";
  g.fillStyle = "#5f6b76";
  workers.forEach((w, i) => {
    g.fillStyle = i % 2 ? "#f6f8fa" : "#ffffff";
    g.fillRect(labelW, i * rh, plotW, rh);
    if (rh >= 10) {
      g.fillStyle = "#5f6b76";
      g.fillText(("worker " + w.id + " (pid " + w.pid + ")").slice(0, 24), 4, i * rh + rh / 2 + 4);
    }
  });
  if (rh < 10) {
    g.fillStyle = "#5f6b76";
    g.fillText(num(workers.length) + " workers", 2, 12);
  }

  /* Per row: coverage of each pixel column by each outcome. */
  const cols = Math.max(1, Math.floor(plotW));
  const kinds = OUTCOMES.map(o => o[0]);
  const cover = new Map();
  let drawn = 0, summed = 0;
  const rows = workers.map(() => []);
  const now = state.status ? state.status.job.elapsed : end;
  for (const a of state.attempts.values()) {
    if (a.kept || !rowOf.has(a.worker)) continue;
    const row = rowOf.get(a.worker);
    const e = a.end === null ? now : a.end;
    rows[row].push(a);
    const x0 = x(a.start), x1 = x(e);
    const y = row * rh + (rh >= 6 ? 1 : 0), h = rh >= 6 ? rh - 2 : rh;
    if (x1 - x0 >= 3) {
      g.fillStyle = colour[a.outcome] || "#000";
      g.globalAlpha = a.kind === "reduce" ? 0.7 : 1;
      g.fillRect(x0 + 0.5, y, Math.max(1, x1 - x0 - 1), h);
      g.globalAlpha = 1;
      if (a.timed_out) {
        g.fillStyle = "#000";
        g.fillRect(x(a.timed_out) - 0.5, y, 1.5, h);
      }
      if (rh >= 14 && x1 - x0 > 34) {
        g.fillStyle = "#fff";
        g.fillText((a.kind === "map" ? "m" : "r") + a.task, x0 + 3, y + h / 2 + 4);
      }
      drawn++;
      continue;
    }
    summed++;
    let cv = cover.get(row);
    if (!cv) { cv = new Float32Array(cols * kinds.length); cover.set(row, cv); }
    const k = Math.max(0, kinds.indexOf(a.outcome));
    const c0 = (x0 - labelW), c1 = Math.max(c0 + 0.5, x1 - labelW);
    for (let col = Math.floor(c0); col < Math.ceil(c1) && col < cols; col++) {
      if (col < 0) continue;
      const part = Math.min(c1, col + 1) - Math.max(c0, col);
      if (part > 0) cv[col * kinds.length + k] += part;
    }
  }
  const loud = [kinds.indexOf("failed"), kinds.indexOf("lost"), kinds.indexOf("timeout")];
  for (const [row, cv] of cover) {
    const y = row * rh + (rh >= 6 ? 1 : 0), h = rh >= 6 ? rh - 2 : rh;
    for (let col = 0; col < cols; col++) {
      let tot = 0, best = -1, bestv = 0;
      for (let k = 0; k < kinds.length; k++) {
        const v = cv[col * kinds.length + k];
        tot += v;
        if (v > bestv) { bestv = v; best = k; }
      }
      if (tot <= 0) continue;
      for (const k of loud) if (cv[col * kinds.length + k] > 0) { best = k; break; }
      g.globalAlpha = 0.35 + 0.65 * Math.min(1, tot);
      g.fillStyle = colour[kinds[best]];
      g.fillRect(labelW + col, y, 1, h);
    }
  }
  g.globalAlpha = 1;
  for (const r of rows) r.sort((a, b) => a.start - b.start);
  state.rows = rows;
  state.layout = { labelW, plotW, rh, end, workers };

  /* The time axis. */
  g.fillStyle = "#5f6b76";
  const ay = n * rh + 14;
  const step = niceStep(end / 8);
  for (let t = 0; t <= end + 1e-9; t += step) {
    const xx = x(t);
    g.fillRect(xx, n * rh, 1, 4);
    g.fillText(secs(t), Math.min(xx - 8, cssW - 40), ay);
  }
  $("timeline-note").textContent = workers.length === 0 ? "(no worker yet)" :
    num(drawn + summed) + " attempts" + (summed > 0 ? ", " + num(summed) +
    " of them too short to draw one by one: summed per pixel" : "");
}

function niceStep(s) {
  if (!(s > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(s)));
  for (const m of [1, 2, 5, 10]) if (m * p >= s) return m * p;
  return 10 * p;
}

function timelineHover(ev) {
  const L = state.layout;
  if (!L) return;
  const rect = $("timeline").getBoundingClientRect();
  const px = ev.clientX - rect.left, py = ev.clientY - rect.top;
  const row = Math.floor(py / L.rh);
  if (row < 0 || row >= L.workers.length || px < L.labelW) return;
  const t = (px - L.labelW) / L.plotW * L.end;
  const tol = L.end / L.plotW * 2;
  const w = L.workers[row];
  const hit = (state.rows[row] || []).filter(a =>
    a.start - tol <= t && (a.end === null ? L.end : a.end) + tol >= t);
  const info = $("timeline-info");
  if (hit.length === 0) {
    info.textContent = "worker " + w.id + " (pid " + w.pid + (w.host ? ", " + w.host : "") + ") at " + secs(t) + ": idle";
    return;
  }
  const a = hit[0];
  info.textContent = "worker " + w.id + " (pid " + w.pid + (w.host ? ", " + w.host : "") + "): " +
    taskLabel(a.kind, a.task) + ", attempt " + a.attempt + ", " + secs(a.start) + " to " +
    (a.end === null ? "now" : secs(a.end)) + ", " + a.outcome +
    (a.error ? ": " + a.error : "") + (hit.length > 1 ? " (and " + (hit.length - 1) + " more here)" : "");
}

/* ---------------------------------------------------------------- */
/* Workers and failures */

function renderWorkers() {
  const live = new Map((state.status.workers || []).map(w => [w.id, w]));
  const doneBy = new Map();
  for (const a of state.attempts.values())
    if (a.outcome === "done" || a.outcome === "backup-won")
      doneBy.set(a.worker, (doneBy.get(a.worker) || 0) + 1);
  const all = [...state.workers.values()];
  for (const w of live.values()) if (!state.workers.has(w.id)) all.push({ id: w.id, pid: w.pid, host: w.host });
  all.sort((a, b) => (live.has(b.id) - live.has(a.id)) || a.id - b.id);
  const tbody = $("workers").tBodies[0];
  clear(tbody);
  for (const w of all.slice(0, ROWS_MAX)) {
    const lw = live.get(w.id);
    const tr = el("tr");
    tr.dataset.id = w.id;
    const task = lw && lw.task ? lw.task_kind + " " + lw.task_id + ": " + lw.task : "–";
    tr.append(el("td", w.id), el("td", w.pid), el("td", (lw && lw.host) || w.host || "–"),
      el("td", lw ? lw.state : "left: " + (w.left || "?")), el("td", task),
      el("td", lw ? lw.tasks_done : (doneBy.get(w.id) || 0)),
      el("td", lw ? secs(lw.connected) : secs(w.connected) + " to " + secs(w.disconnected)));
    tbody.append(tr);
  }
  $("workers-note").textContent = num(live.size) + " connected, " + num(all.length) + " in all" +
    (all.length > ROWS_MAX ? "; the first " + ROWS_MAX + " listed" : "");
}

function renderFailures() {
  const rows = [];
  const perTask = new Map();
  for (const a of state.attempts.values()) {
    const k = a.kind + " " + a.task;
    perTask.set(k, (perTask.get(k) || 0) + 1);
    if (a.outcome === "failed" || a.outcome === "lost" || a.outcome === "timeout" || a.timed_out)
      rows.push(a);
  }
  rows.sort((a, b) => (b.end === null ? 1e18 : b.end) - (a.end === null ? 1e18 : a.end));
  const tbody = $("failures").tBodies[0];
  clear(tbody);
  for (const a of rows.slice(0, ROWS_MAX)) {
    const w = state.workers.get(a.worker);
    const what = a.outcome === "failed" ? "failed" : a.outcome === "lost" ?
      "lost: its worker " + (w && w.left ? "left (" + w.left + ")" : "went away") :
      "timed out" + (a.outcome === "timeout" ? "" : ", then " + a.outcome);
    const tr = el("tr");
    tr.append(el("td", secs(a.end !== null ? a.end : a.timed_out)),
      el("td", taskLabel(a.kind, a.task) + " (" + plural(perTask.get(a.kind + " " + a.task), "attempt") + ")"),
      el("td", a.attempt), el("td", w ? a.worker + " (pid " + w.pid + ")" : a.worker),
      el("td", what, "what-" + (a.outcome === "failed" ? "failed" : a.outcome === "lost" ? "lost" : "timeout")),
      el("td", a.error || ""));
    tbody.append(tr);
  }
  $("failures-none").hidden = rows.length > 0;
  $("failures-note").textContent = rows.length > 0 ? num(rows.length) + " attempts" +
    (rows.length > ROWS_MAX ? "; the last " + ROWS_MAX + " listed" : "") : "";
}

/* ---------------------------------------------------------------- */
/* Tasks */

function renderTasks() {
  const st = state.status, pg = st.tasks_page;
  const tbody = $("tasks").tBodies[0];
  clear(tbody);
  for (const t of st.tasks) {
    const tr = el("tr");
    tr.dataset.kind = t.kind;
    tr.dataset.id = t.id;
    const name = t.inputs && t.inputs.length > 1 ? t.name + " (" + t.inputs.join(", ") + ")" : t.name;
    tr.append(el("td", taskLabel(t.kind, t.id)), el("td", t.state, "state-" + t.state),
      el("td", t.worker === null ? "–" : t.worker + (t.pid ? " (pid " + t.pid + ")" : "")),
      el("td", t.time === null ? "–" : secs(t.time)), el("td", t.attempts), el("td", name));
    tbody.append(tr);
  }
  if (st.tasks_omitted) {
    $("page-info").textContent = "The coordinator left the task list out (too large to send).";
    return;
  }
  const limit = pg.limit || 1;
  const pages = Math.max(1, Math.ceil(pg.matched / limit));
  const page = Math.floor(pg.offset / limit) + 1;
  $("page-info").textContent = "page " + num(page) + " of " + num(pages) + " · tasks " +
    (pg.matched === 0 ? "0" : num(pg.offset + 1) + "–" + num(Math.min(pg.matched, pg.offset + st.tasks.length))) +
    " of " + num(pg.matched) + (pg.matched !== pg.total ? " (" + num(pg.total) + " in all)" : "");
  $("first-page").disabled = $("prev-page").disabled = pg.offset === 0;
  $("next-page").disabled = $("last-page").disabled = pg.offset + limit >= pg.matched;
  for (const th of $("tasks").tHead.rows[0].cells) {
    th.classList.toggle("sorted-asc", th.dataset.sort === state.sort && !state.desc);
    th.classList.toggle("sorted-desc", th.dataset.sort === state.sort && state.desc);
  }
}

function pageQuery() {
  const q = new URLSearchParams({
    offset: state.offset, limit: $("f-limit").value, state: $("f-state").value,
    kind: $("f-kind").value, sort: state.sort, order: state.desc ? "desc" : "asc",
    q: $("f-text").value
  });
  return q.toString();
}

/* ---------------------------------------------------------------- */

function mergeHistory(h) {
  if (h.seq < state.seq) { state.attempts.clear(); state.workers.clear(); }
  for (const a of h.attempts) state.attempts.set(a.index, a);
  state.workers.clear();
  for (const w of h.workers) state.workers.set(w.id, w);
  state.seq = h.seq;
  state.history = h;
  state.live = h.live;
}

let busy = false, again = false;
async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  clearTimeout(state.timer);
  try {
    const [st, h] = await Promise.all([getJSON("api/status?" + pageQuery()),
      getJSON("api/history?since=" + state.seq)]);
    mergeHistory(h);
    state.status = st;
    let span = st.job.elapsed || 0;
    for (const a of state.attempts.values()) if (a.end !== null && a.end > span) span = a.end;
    state.span = Math.max(span, 0.001);
    renderOverview();
    renderTimeline();
    renderRateChart();
    renderWorkers();
    renderFailures();
    renderTasks();
    state.over = !!(h.outcome || st.job.outcome);
    $("updated").textContent = new Date().toLocaleTimeString() + (state.over ? " (the job is over)" : "");
    document.body.dataset.seq = h.seq;
    document.body.dataset.over = state.over ? "1" : "0";
  } catch (e) {
    const pb = $("problem");
    pb.hidden = false;
    pb.textContent = "Cannot reach mrctl web: " + e.message;
  } finally {
    busy = false;
  }
  if (again) { again = false; refresh(); return; }
  /* A report, or a job that is over, does not change any more. */
  if (!state.over) state.timer = setTimeout(refresh, POLL_MS);
}

function reloadTasks() {
  clearTimeout(state.timer);
  state.over = false;
  refresh();
}

async function cancelJob() {
  $("cancel-ask").hidden = true;
  const msg = $("cancel-msg");
  msg.textContent = "asking…";
  try {
    const r = await fetch("api/cancel", { method: "POST", headers: headers() });
    const body = await r.json();
    if (r.ok) msg.textContent = "cancelled: the workers are told to stop";
    else msg.textContent = "refused: " + (body.error || body.why || ("HTTP " + r.status));
  } catch (e) {
    msg.textContent = "failed: " + e.message;
  }
}

function init() {
  const css = getComputedStyle(document.documentElement);
  for (const [name, v] of OUTCOMES) colour[name] = css.getPropertyValue(v).trim() || "#888";
  renderLegend();
  $("cancel").addEventListener("click", () => { $("cancel-ask").hidden = false; });
  $("cancel-back").addEventListener("click", () => { $("cancel-ask").hidden = true; });
  $("cancel-confirm").addEventListener("click", cancelJob);
  $("task-filter").addEventListener("submit", e => e.preventDefault());
  for (const id of ["f-state", "f-kind", "f-limit"])
    $(id).addEventListener("change", () => { state.offset = 0; reloadTasks(); });
  let typing = null;
  $("f-text").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.offset = 0; reloadTasks(); }, 250);
  });
  for (const th of $("tasks").tHead.rows[0].cells)
    th.addEventListener("click", () => {
      if (state.sort === th.dataset.sort) state.desc = !state.desc;
      else { state.sort = th.dataset.sort; state.desc = false; }
      state.offset = 0;
      reloadTasks();
    });
  const limit = () => Number($("f-limit").value);
  const last = () => { const m = state.status ? state.status.tasks_page.matched : 0;
    return Math.max(0, Math.floor((m - 1) / limit()) * limit()); };
  $("first-page").addEventListener("click", () => { state.offset = 0; reloadTasks(); });
  $("prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - limit()); reloadTasks(); });
  $("next-page").addEventListener("click", () => { state.offset = Math.min(last(), state.offset + limit()); reloadTasks(); });
  $("last-page").addEventListener("click", () => { state.offset = last(); reloadTasks(); });
  $("timeline").addEventListener("mousemove", timelineHover);
  window.addEventListener("resize", () => { if (state.status) renderTimeline(); });
  refresh();
}

document.addEventListener("DOMContentLoaded", init);
