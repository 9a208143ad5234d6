"""The dashboard's two pages and its one script. Pages carry no data: the script fetches the JSON API and builds the
DOM with textContent only, so a plan name or a step's output can never become markup."""

from __future__ import annotations

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.7em 1.2em;display:flex;gap:1em;align-items:baseline}
header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:1em 1.2em;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e6eb;vertical-align:top}
th{font-weight:600;color:#555;font-size:12px;text-transform:uppercase}
.badge{display:inline-block;padding:.1em .55em;border-radius:.8em;font-size:12px;font-weight:600;background:#e3e6eb}
.succeeded,.go,.Success{background:#d6f5dd;color:#14532d}
.waiting,.needs-attention,.Partial{background:#fff1c2;color:#713f12}
.running,.rolling-back{background:#dbeafe;color:#1e3a8a}
.rolled-back,.rollback-failed,.failed,.no-go{background:#fde0e0;color:#7f1d1d}
.box{background:#fff;border-left:4px solid #f59e0b;padding:.6em 1em;margin:1em 0}
.box.attention{border-color:#dc2626}
code{background:#eef0f3;padding:.1em .35em;border-radius:3px}
#phases{display:flex;gap:.4em;flex-wrap:wrap;margin:.8em 0}
#phases span{padding:.3em .7em;border-radius:4px}
#log td:first-child,#log td:nth-child(2){white-space:nowrap;color:#666;font-variant-numeric:tabular-nums}
.muted{color:#666}
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            f'<title>{title}</title>'
            f'<style>{STYLE}</style></head><body><header><a href="/">golive</a><span id="where"></span></header>'
            f'<main>{body}</main><script src="/static/golive.js"></script></body></html>')


INDEX = _page("golive runs", """
<h1>Runs</h1>
<p class="muted" id="updated">loading…</p>
<table id="runs"><thead><tr><th>Run</th><th>Started (UTC)</th><th>Service/env</th><th>Status</th><th>Result</th>
<th>Duration</th><th>By</th><th>Approved by</th><th>Plan</th></tr></thead><tbody></tbody></table>
""")

RUN = _page("golive run", """
<h1 id="title">Run</h1>
<p><span id="status" class="badge">…</span> <span id="meta" class="muted"></span>
 · <a id="report" href="#">report</a></p>
<div id="phases"></div>
<div id="waiting" class="box" hidden></div>
<div id="attention" class="box attention" hidden></div>
<div id="steps"></div>
<h2>Log</h2>
<p class="muted" id="stream">connecting…</p>
<table id="log"><thead><tr><th>#</th><th>Time (UTC)</th><th>Event</th></tr></thead><tbody></tbody></table>
""")

SCRIPT = r"""
"use strict";
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function badge(text) { return el("span", text, "badge " + text); }
function time(ts) { return ts ? ts.slice(0, 19).replace("T", " ") : ""; }
function dur(s) {
  if (s === null || s === undefined) return "";
  s = Math.round(s);
  return s >= 3600 ? Math.floor(s / 3600) + "h" + Math.floor(s % 3600 / 60) + "m"
       : s >= 60 ? Math.floor(s / 60) + "m" + (s % 60) + "s" : s + "s";
}
async function getJSON(url) {
  const r = await fetch(url, {cache: "no-store"});
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return r.json();
}

async function refreshRuns() {
  const body = document.querySelector("#runs tbody");
  try {
    const rows = await getJSON("/api/runs");
    body.replaceChildren(...rows.map(r => {
      const tr = el("tr");
      const a = el("a", r.run); a.href = "/runs/" + encodeURIComponent(r.run);
      const first = el("td"); first.append(a); tr.append(first);
      tr.append(el("td", time(r.created_at)), el("td", r.service + "/" + r.environment));
      const st = el("td"); st.append(badge(r.status)); tr.append(st);
      const res = el("td"); if (r.outcome) res.append(badge(r.result)); tr.append(res);
      tr.append(el("td", dur(r.duration)), el("td", r.initiator), el("td", r.approvers.join(", ") || "-"),
                el("td", r.plan));
      tr.dataset.status = r.status;
      return tr;
    }));
    document.getElementById("updated").textContent = rows.length ? "updated " + new Date().toLocaleTimeString()
                                                                 : "no runs yet";
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach golive web: " + e.message;
  }
}

function waitingText(w) {
  if (w.kind === "gate") {
    const who = w.candidates && w.candidates.length ? " (" + w.candidates.join(", ") + ")" : "";
    return "Go/No-Go at phase " + w.phase + " " + (w.name || "") + ": needs " + w.needed + " approval(s)" +
           (w.role ? " from " + w.role + who : "") + (w.description ? " — " + w.description : "");
  }
  if (w.kind === "step") return "Manual step " + w.step + ": " + (w.message || "waiting for a person");
  if (w.kind === "rollback") return "Rollback level " + (w.level || "") + " restores data past the rollback " +
                                    "window: a person must confirm it";
  return w.message || "waiting for a person";
}

let refreshing = null;
async function refreshRun(id) {
  const s = await getJSON("/api/runs/" + encodeURIComponent(id));
  document.getElementById("title").textContent = s.plan;
  document.title = s.plan + " — " + s.status;
  const st = document.getElementById("status");
  st.textContent = s.status; st.className = "badge " + s.status; st.dataset.status = s.status;
  document.getElementById("meta").textContent = s.run + " · " + s.service + "/" + s.environment + " · by " +
    s.initiator + (s.process ? " · process " + s.process : "") + " · head #" + s.head_seq;
  document.getElementById("phases").replaceChildren(...s.phases.map(p => {
    const e = el("span", p.phase + ". " + p.name + " — " + p.status, p.status); return e; }));
  const w = document.getElementById("waiting");
  w.hidden = !s.waiting && !s.orphaned;
  w.replaceChildren();
  if (s.waiting) {
    w.append(el("div", waitingText(s.waiting)));
    const cmd = s.waiting.command || ("golive confirm " + s.run + " " + (s.waiting.step || "rollback") +
                                      " --by NAME");
    const p = el("div", "From your own shell: "); p.append(el("code", cmd)); w.append(p);
  } else if (s.orphaned) {
    const p = el("div", "No process is executing this run: "); p.append(el("code", s.resume)); w.append(p);
  }
  const a = document.getElementById("attention");
  a.hidden = !s.attention;
  if (s.attention) a.replaceChildren(el("div", "Needs attention: " + (s.attention.reason || "")),
    el("code", "golive resolve " + s.run + " " + (s.attention.step || "STEP") + " --as done|failed --by NAME"));
  const steps = document.getElementById("steps");
  steps.replaceChildren(...s.steps.map(x => el("div", x.step + " " + x.name + ": " + x.status +
                                                      (x.message ? " — " + x.message : ""))));
}
function scheduleRefresh(id) {
  if (refreshing) return;
  refreshing = setTimeout(() => { refreshing = null; refreshRun(id).catch(showError); }, 150);
}
function showError(e) { document.getElementById("stream").textContent = String(e.message || e); }

function runPage(id) {
  document.getElementById("report").href = "/runs/" + encodeURIComponent(id) + "/report";
  refreshRun(id).catch(showError);
  const body = document.querySelector("#log tbody");
  const source = new EventSource("/api/runs/" + encodeURIComponent(id) + "/events/stream");
  const info = document.getElementById("stream");
  source.onopen = () => { info.textContent = "live"; };
  source.onerror = () => { info.textContent = "reconnecting…"; };
  source.addEventListener("run-event", msg => {
    const ev = JSON.parse(msg.data);
    const tr = el("tr"); tr.dataset.seq = ev.seq; tr.dataset.type = ev.type;
    tr.append(el("td", ev.seq), el("td", time(ev.ts)), el("td", ev.line));
    body.append(tr);
    scheduleRefresh(id);
  });
}

const m = location.pathname.match(/^\/runs\/([^/]+)$/);
if (m) { runPage(decodeURIComponent(m[1])); }
else { refreshRuns(); setInterval(refreshRuns, 3000); }
"""
