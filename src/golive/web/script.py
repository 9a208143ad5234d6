"""The console's one script (served from /static/golive.js; the CSP allows no other). It builds every element with
textContent, sends the session's CSRF token on every change, and goes back to the login page when the session
ends (idle or absolute timeout, or logged out elsewhere)."""

from __future__ import annotations

SCRIPT = r"""
"use strict";
let CSRF = "";
// What a plan or a step printed is shown, never obeyed: control characters (but newline and tab), DEL, C1, bidi
// controls and line separators become visible escapes, as golive.masking.safe writes them for terminals and
// reports (a step named "ok\u202e..." must not reorder the words around it). textContent is where every text of
// the page goes in, so its setter is the one place: no element can be given a raw string by a later change.
const INERT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
function inert(v) {
  if (v === undefined || v === null) return v;
  return String(v).replace(INERT, c => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? "\\x" + n.toString(16).padStart(2, "0") : "\\u" + n.toString(16).padStart(4, "0");
  });
}
(() => {
  const text = Object.getOwnPropertyDescriptor(Node.prototype, "textContent");
  Object.defineProperty(Node.prototype, "textContent", {
    configurable: true, enumerable: text.enumerable, get: text.get,
    set(v) { text.set.call(this, inert(v)); },
  });
})();
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
const $ = id => document.getElementById(id);
function badge(text) { return el("span", text, "badge " + text); }
function time(ts) { return ts ? ts.slice(0, 19).replace("T", " ") : ""; }
function dur(s) {
  if (s === null || s === undefined) return "";
  const neg = s < 0; s = Math.abs(Math.round(s));
  const t = s >= 3600 ? Math.floor(s / 3600) + "h" + Math.floor(s % 3600 / 60) + "m"
          : s >= 60 ? Math.floor(s / 60) + "m" + (s % 60) + "s" : s + "s";
  return neg ? "-" + t : t;
}
function ago(ts) { return ts ? dur((Date.now() - Date.parse(ts)) / 1000) : ""; }
function toLogin() {
  const next = location.pathname + location.search;
  location.assign("/login?next=" + encodeURIComponent(next));
}
async function getJSON(url) {
  const r = await fetch(url, {cache: "no-store", credentials: "same-origin"});
  if (r.status === 401) { toLogin(); throw new Error("logged out"); }
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return r.json();
}
async function post(url, body) {
  const r = await fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                              headers: {"Content-Type": "application/json", "X-CSRF-Token": CSRF}});
  let data = {};
  try { data = await r.json(); } catch (e) { data = {error: "HTTP " + r.status}; }
  if (r.status === 401 && !url.endsWith("/api/login")) { toLogin(); }
  return {status: r.status, data: data};
}
async function session() {
  const s = await (await fetch("/api/session", {cache: "no-store", credentials: "same-origin"})).json();
  CSRF = s.csrf;
  return s;
}
function safeNext() {
  const n = new URLSearchParams(location.search).get("next") || "/";
  return n.startsWith("/") && !n.startsWith("//") ? n : "/";
}

// ---- login -----------------------------------------------------------------------------------------------
async function loginPage() {
  const form = $("login");
  // Handled here before anything is awaited; the button stays disabled until the CSRF token is in hand, so a
  // quick click or Enter never submits the form natively (that would put the password in a page reload).
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    if (!CSRF) return;
    const f = ev.target;
    const r = await post("/api/login", {name: f.name.value, password: f.password.value, code: f.code.value});
    if (r.status === 200) { location.assign(safeNext()); return; }
    if (r.data.totp) { $("code-row").hidden = false; f.code.focus(); }
    $("login-error").textContent = r.data.error || ("HTTP " + r.status);
  });
  const s = await session();
  if (s.who) { location.replace(safeNext()); return; }
  if (s.oidc) {
    $("sso").hidden = false;
    const a = $("sso-link"); a.textContent = "Log in with " + s.oidc;
    a.href = "/auth/oidc/start?next=" + encodeURIComponent(safeNext());
  }
  form.querySelector("button[type=submit]").disabled = false;
}

// ---- header ----------------------------------------------------------------------------------------------
async function header() {
  const s = await session();
  if (!s.who) { toLogin(); return null; }
  $("who").textContent = s.who.person + " · " + s.who.how;
  const out = $("logout"); out.hidden = false;
  out.addEventListener("click", async () => { await post("/api/logout", {}); toLogin(); });
  const all = $("logout-all"); all.hidden = false;
  all.addEventListener("click", async () => { await post("/api/logout/everywhere", {}); toLogin(); });
  // The page goes back to the login form when the session ends, without waiting for a click.
  setInterval(async () => {
    try { const now = await (await fetch("/api/session", {cache: "no-store"})).json(); if (!now.who) toLogin(); }
    catch (e) { /* the server is away; the stream says so */ }
  }, 3000);
  return s;
}

// ---- runs list -------------------------------------------------------------------------------------------
function windowText(r) {
  if (!r.window_end) return "no deployment window";
  const left = r.window_left;
  const tail = left === null || left === undefined ? "" : left > 0 ? " (" + dur(left) + " left)" : " (closed)";
  return "window " + time(r.window_start) + " – " + time(r.window_end) + tail;
}
function showRuns(rows) {
  $("runs").replaceChildren(...rows.map(r => {
    const card = el("div", null, "card"); card.dataset.status = r.status; card.dataset.run = r.run;
    const top = el("div", null, "row");
    const a = el("a", r.plan, "run"); a.href = "/runs/" + encodeURIComponent(r.run);
    top.append(badge(r.status), a);
    card.append(top, el("div", r.run + " · " + r.service + "/" + r.environment + " · by " + r.initiator +
                        (r.approvers.length ? " · approved by " + r.approvers.join(", ") : ""), "muted"));
    if (r.waits_for) card.append(el("div", "waits for " + r.waits_for + " — since " + ago(r.waiting_since),
                                    "waits"));
    card.append(el("div", windowText(r), "muted"));
    return card;
  }));
  $("updated").textContent = rows.length ? "updated " + new Date().toLocaleTimeString() : "no runs match";
}
let RUNS = null;
function followRuns() {
  // The list is live: the server sends it again whenever a run appears or changes (no polling here).
  if (RUNS) RUNS.close();
  const q = new URLSearchParams(new FormData($("filters")));
  RUNS = new EventSource("/api/runs/stream?" + q.toString());
  RUNS.addEventListener("runs", msg => { showRuns(JSON.parse(msg.data)); $("updated").dataset.live = "1"; });
  RUNS.addEventListener("session-ended", () => { RUNS.close(); toLogin(); });
  RUNS.onerror = () => { $("updated").textContent = "reconnecting…"; $("updated").dataset.live = ""; };
}
async function indexPage() {
  const s = await header();
  if (!s) return;
  const f = $("filters");
  const params = new URLSearchParams(location.search);
  for (const k of ["service", "environment", "status", "person"]) if (params.get(k)) f[k].value = params.get(k);
  let typing = null;
  f.addEventListener("input", () => {
    history.replaceState(null, "", "/?" + new URLSearchParams(new FormData(f)).toString());
    clearTimeout(typing); typing = setTimeout(followRuns, 250);  // one new stream per pause, not per key
  });
  f.addEventListener("submit", ev => ev.preventDefault());
  $("start-link").hidden = !s.who.operator;
  followRuns();
}

// ---- starting a run --------------------------------------------------------------------------------------
let PLAN = null;
async function api(url) {
  const r = await fetch(url, {cache: "no-store", credentials: "same-origin"});
  if (r.status === 401) { toLogin(); throw new Error("logged out"); }
  let data = {};
  try { data = await r.json(); } catch (e) { data = {error: "HTTP " + r.status}; }
  if (!r.ok) throw new Error(data.error || "HTTP " + r.status);
  return data;
}
function varRow(v) {
  const label = el("label", v.name + (v.secret ? " (secret)" : ""));
  label.dataset.var = v.name;
  const hint = v.description || (v.secret ? (v.from_env ? "environment variable " + v.from_env : "") :
                                 v.default !== null ? "default: " + v.default : "");
  if (hint) label.append(el("span", hint));
  if (!v.settable) { label.append(el("span", "read from a file on the server")); return label; }
  const input = el("input"); input.name = v.name; input.dataset.secret = v.secret ? "1" : "";
  input.autocomplete = v.secret ? "new-password" : "off";
  if (v.secret) { input.type = "password"; input.placeholder = v.on_server ? "set on the server" : "required"; }
  else if (v.default !== null) input.placeholder = inert(v.default);
  label.append(input);
  return label;
}
async function showPlan(id) {
  $("plan-view").hidden = true; $("plan-error").textContent = ""; $("start-result").textContent = "";
  if (!id) return;
  try { PLAN = await api("/api/plans/" + id.split("/").map(encodeURIComponent).join("/")); }
  catch (e) { $("plan-error").textContent = e.message; return; }
  $("plan-title").textContent = PLAN.name + " — " + PLAN.service + "/" + PLAN.environment;
  $("plan-show").textContent = PLAN.show;
  $("plan-signed").hidden = !PLAN.signed && !PLAN.refused;
  $("plan-signed").className = PLAN.refused ? "error" : "muted";
  $("plan-signed").textContent = PLAN.refused || ("This plan's decisions are signed: the console's key vouches " +
    "for you as the run's initiator (who then cannot approve it).");
  $("start-go").disabled = !!PLAN.refused;
  $("plan-rollback").replaceChildren(...(PLAN.rollback_plan.length ? PLAN.rollback_plan.map(p => el("li",
    "failing in phase " + p.phase + " " + p.name + " undoes: " + (p.undo.map(u => u.title).join(", ") || "nothing") +
    (p.level ? "; level " + p.level + " " + (p.level_name || "") : "") + choices(p))) : [el("li", "nothing to undo")]));
  $("plan-vars").replaceChildren(...(PLAN.vars.length ? PLAN.vars.map(varRow) : [el("p", "none", "muted")]));
  $("start-typed-want").textContent = PLAN.service; $("start-typed").value = "";
  $("plan-view").hidden = false;
}
async function startRun() {
  const out = $("start-result");
  if ($("start-typed").value.trim() !== PLAN.service) {
    out.className = "error"; out.textContent = "Type " + PLAN.service + " to confirm the start."; return;
  }
  const vars = {}, secrets = {};
  for (const i of document.querySelectorAll("#plan-vars input")) {
    if (i.value !== "") (i.dataset.secret ? secrets : vars)[i.name] = i.value;
  }
  $("start-go").disabled = true; out.className = "muted"; out.textContent = "starting…";
  const r = await post("/api/plans/" + PLAN.id.split("/").map(encodeURIComponent).join("/") + "/start",
                       {vars: vars, secrets: secrets, confirm: $("start-typed").value.trim()});
  for (const i of document.querySelectorAll("#plan-vars input[type=password]")) i.value = "";
  $("start-go").disabled = false;
  out.dataset.status = r.status;
  if (r.status === 200) { location.assign("/runs/" + encodeURIComponent(r.data.run)); return; }
  out.className = "error"; out.textContent = r.data.error || ("HTTP " + r.status);
}
async function startPage() {
  if (!await header()) return;
  const pick = $("plan-pick");
  try {
    const plans = await api("/api/plans");
    pick.append(...plans.map(p => {
      const o = el("option", p.error ? p.id + " — " + p.error : p.name + " (" + p.service + "/" + p.environment +
                   ") — " + p.id);
      o.value = p.id; o.disabled = !!p.error; return o;
    }));
  } catch (e) { $("plan-error").textContent = e.message; return; }
  pick.addEventListener("change", () => showPlan(pick.value));
  $("start-go").addEventListener("click", startRun);
}

// ---- one run ---------------------------------------------------------------------------------------------
let RUN = null;
const LABELS = {approve: "Approve", reject: "Reject (NO-GO)", confirm: "Confirm", resolve: "Resolve",
                rollback: "Roll back", abort: "Abort", resume: "Resume"};
const EXPLAIN = {
  approve: "You approve the Go/No-Go gate this run waits at.",
  reject: "You say NO-GO: the run rolls back.",
  confirm: "You confirm the manual item the run waits for.",
  resolve: "You say how the step that was cut off ended, after checking by hand.",
  rollback: "You ask the run to roll back now. First read what it will undo.",
  abort: "You stop the process executing this run, as Ctrl-C would: what runs now is stopped and recorded, " +
         "and the run can then be resumed or rolled back.",
  resume: "You start a process on the server that continues this run where its log ends. Secret values go to " +
          "that process only: they are not stored and never shown again.",
};
function openDialog(action) {
  const s = RUN;
  $("dialog").hidden = false; $("dialog").dataset.action = action;
  $("dialog-title").textContent = LABELS[action] + " — " + s.plan;
  $("dialog-what").textContent = EXPLAIN[action] + (s.waits_for ? " (waits for " + s.waits_for + ")" : "");
  $("dialog-reason").value = ""; $("dialog-typed").value = ""; $("action-result").textContent = "";
  const rb = action === "rollback";
  $("dialog-plan").hidden = !rb; $("dialog-typed-row").hidden = !rb;
  $("dialog-typed-want").textContent = s.service;
  if (rb) $("dialog-plan-list").replaceChildren(...rollbackItems(s));
  const stepAction = action === "confirm" || action === "resolve";
  $("dialog-step-row").hidden = !stepAction;
  $("dialog-step").value = (s.waiting && s.waiting.kind === "rollback") ? "rollback"
    : (s.waiting && s.waiting.step) || (s.attention && s.attention.step) || "";
  $("dialog-outcome-row").hidden = action !== "resolve";
  $("dialog-reason-row").hidden = action === "resume";
  $("dialog-secrets").hidden = action !== "resume";
  $("dialog-secrets").replaceChildren(...(action === "resume" ? s.secrets.map(varRow) : []));
  $("dialog-go").textContent = "Confirm: " + LABELS[action];
  $("dialog-go").className = (action === "reject" || action === "abort" || rb) ? "danger" : "";
  $("dialog-reason").focus();
}
async function submitDialog() {
  const action = $("dialog").dataset.action;
  const reason = $("dialog-reason").value.trim();
  const out = $("action-result");
  if (action === "resume") return resumeRun();
  if (!reason) { out.className = "error"; out.textContent = "A reason is required."; return; }
  if (action === "rollback" && $("dialog-typed").value.trim() !== RUN.service) {
    out.className = "error"; out.textContent = "Type " + RUN.service + " to confirm the rollback."; return;
  }
  const body = {reason: reason, step: $("dialog-step").value || null, typed: $("dialog-typed").value,
                outcome: action === "resolve" ? $("dialog-outcome").value : null};
  const r = await post("/api/runs/" + encodeURIComponent(RUN.run) + (action === "abort" ? "/abort"
                       : "/actions/" + action), body);
  out.className = r.status === 200 ? "ok" : "error";
  out.textContent = r.status === 200 ? r.data.message : (r.data.error || "HTTP " + r.status);
  out.dataset.status = r.status;
  if (r.status === 200) { $("dialog").hidden = true; scheduleRefresh(RUN.run); }
}
async function resumeRun() {
  const secrets = {};
  for (const i of document.querySelectorAll("#dialog-secrets input")) if (i.value !== "") secrets[i.name] = i.value;
  const out = $("action-result");
  out.className = "muted"; out.textContent = "resuming…"; $("dialog-go").disabled = true;
  const r = await post("/api/runs/" + encodeURIComponent(RUN.run) + "/resume", {secrets: secrets});
  for (const i of document.querySelectorAll("#dialog-secrets input")) i.value = "";
  $("dialog-go").disabled = false;
  out.className = r.status === 200 ? "ok" : "error";
  out.textContent = r.status === 200 ? r.data.message : (r.data.error || "HTTP " + r.status);
  out.dataset.status = r.status;
  if (r.status === 200) { $("dialog").hidden = true; scheduleRefresh(RUN.run); }
}
function condition(o) {  // OfferedLevel.condition: its `when`, or the lighter level golive applies before it
  return o.when || o.heavier_than == null ? "when: " + o.when : "if level " + o.heavier_than + " is not enough";
}
function choices(p) {  // levels with a condition, or heavier rungs: golive names them, a person applies them
  return (p.offered || []).map(o => "; a person's choice: level " + o.level + " " + o.name + " (" + condition(o) +
                                    ")").join("");
}
function rollbackItems(s) {
  const cur = s.phases.find(p => p.status !== "go" && p.status !== "pending") || s.phases[s.phases.length - 1];
  const plan = s.rollback_plan.find(p => cur && p.phase === cur.phase) || s.rollback_plan[0];
  if (!plan) return [el("li", "nothing to undo")];
  const items = plan.undo.map(u => el("li", u.id + " " + u.title + " (undoes " + u.undoes + ")"));
  for (const n of plan.first_levels || []) items.push(el("li", "rollback level " + n + " (first, as level " +
                                                          plan.level + " says)"));
  if (plan.level) items.push(el("li", "rollback level " + plan.level + " " + (plan.level_name || "") +
                                (plan.restores_data ? " — restores data" : "")));
  for (const o of plan.offered || []) items.push(el("li", "a person's choice, not applied by golive: level " +
                                                 o.level + " " + o.name + " (" + condition(o) + ")"));
  return items.length ? items : [el("li", "nothing to undo")];
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
function renderTimeline(s) {
  const gates = {}; for (const g of s.gates) gates[g.phase] = g;
  return s.timeline.map(p => {
    const li = el("li", null, p.status); li.dataset.phase = p.index;
    const top = el("div", null, "row");
    top.append(el("strong", p.index + ". " + p.name), badge(p.status));
    if (p.timebox) top.append(el("span", "timebox " + dur(p.timebox) + (p.overrun ? " — OVERRUN" : ""), "muted"));
    if (p.duration !== null) top.append(el("span", dur(p.duration), "muted"));
    li.append(top);
    const g = gates[p.index];
    if (g) {
      const need = g.approvals_needed ? ", " + g.approvals.length + " of " + g.approvals_needed + " approval(s)" +
                                        (g.role ? " from " + g.role : "") : "";
      li.append(el("div", "gate: " + (g.criteria.join("; ") || "all steps passed") + need +
                          (g.decision ? " → " + g.decision : ""), "muted"));
      for (const a of g.approvals) li.append(el("div", "✔ " + a.by + ": " + a.reason, "muted"));
      for (const a of g.rejections) li.append(el("div", "✘ " + a.by + ": " + a.reason, "muted"));
    }
    return li;
  });
}
let refreshing = null;
async function refreshRun(id) {
  const s = await getJSON("/api/runs/" + encodeURIComponent(id));
  RUN = s;
  $("title").textContent = s.plan;
  document.title = inert(s.plan + " — " + s.status);
  const st = $("status");
  st.textContent = s.status; st.className = "badge " + s.status; st.dataset.status = s.status;
  $("meta").textContent = s.run + " · " + s.service + "/" + s.environment + " · by " + s.initiator +
    (s.version_to ? " · " + (s.version_from || "?") + " → " + s.version_to : "");
  $("window").textContent = windowText(s);
  const rn = $("runner"); rn.hidden = !s.runner;
  if (s.runner) rn.textContent = "runner process " + s.runner.pid + ", started here by " + s.runner.by +
    (s.runner.exit_code === null ? ": running" : ": exited with " + s.runner.exit_code);
  const w = $("waiting");
  w.hidden = !s.waiting && !s.orphaned;
  w.replaceChildren();
  if (s.waiting) w.append(el("div", waitingText(s.waiting) + (s.waiting_since ? " — since " +
                                    time(s.waiting_since) + " (" + ago(s.waiting_since) + ")" : "")));
  else if (s.orphaned) w.append(el("div", "No process is executing this run; an operator can resume it."));
  const a = $("attention");
  a.hidden = !s.attention;
  if (s.attention) a.replaceChildren(el("div", "Needs attention: step " + (s.attention.step || "") + ": " +
                                               (s.attention.reason || "")));
  $("actions").replaceChildren(...Object.keys(LABELS).filter(k => s.can[k]).map(k => {
    const b = el("button", LABELS[k], k === "reject" || k === "rollback" || k === "abort" ? "danger" : k === "resume"
                 ? "secondary" : "");
    b.type = "button"; b.dataset.action = k;
    b.addEventListener("click", () => openDialog(k));
    return b;
  }));
  $("timeline").replaceChildren(...renderTimeline(s));
  const weights = s.canary.filter(c => c.weight !== null);
  const verdicts = s.canary.filter(c => c.verdict);
  $("traffic").hidden = !s.canary.length;
  $("weight").textContent = weights.length ? "canary weight now " + weights[weights.length - 1].weight + "%" : "";
  document.querySelector("#verdicts tbody").replaceChildren(...verdicts.map(v => {
    const tr = el("tr"); const td = el("td"); td.append(badge(v.verdict));
    tr.append(el("td", time(v.at).slice(11)), td, el("td", v.reason || "")); return tr;
  }));
  $("steps").replaceChildren(...s.all_steps.map(x => {
    const d = el("div", null, "card"); d.dataset.step = x.id;
    const top = el("div", null, "row"); top.append(badge(x.status), el("strong", x.id + " " + x.title));
    d.append(top);
    if (x.message) d.append(el("div", x.message, "muted"));
    if (x.output) d.append(el("pre", x.output));
    return d;
  }));
  $("rollback-plan").replaceChildren(...s.rollback_plan.map(p => el("li", "failing in phase " + p.phase + " " +
    p.name + " undoes: " + (p.undo.map(u => u.title).join(", ") || "nothing") +
    (p.level ? "; level " + p.level + " " + (p.level_name || "") : "") + choices(p))));
  document.querySelector("#signoff tbody").replaceChildren(...s.signoff.map(x => {
    const tr = el("tr"); tr.append(el("td", x.section), el("td", x.role), el("td", x.name), el("td", x.date));
    return tr;
  }));
}
function scheduleRefresh(id) {
  if (refreshing) return;
  refreshing = setTimeout(() => { refreshing = null; refreshRun(id).catch(showError); }, 100);
}
function showError(e) { $("stream").textContent = String(e.message || e); }

async function runPage(id) {
  const run = refreshRun(id).catch(showError);  // in parallel with the session check: first paint sooner
  if (!await header()) return;
  $("report").href = "/runs/" + encodeURIComponent(id) + "/report";
  $("dialog-go").addEventListener("click", submitDialog);
  $("dialog-cancel").addEventListener("click", () => { $("dialog").hidden = true; });
  await run;
  const body = document.querySelector("#log tbody");
  const source = new EventSource("/api/runs/" + encodeURIComponent(id) + "/events/stream");
  const info = $("stream");
  source.onopen = () => { info.textContent = "live"; };
  source.onerror = () => { info.textContent = "reconnecting…"; };
  source.addEventListener("session-ended", () => { source.close(); toLogin(); });
  source.addEventListener("runner", () => scheduleRefresh(id));
  source.addEventListener("run-event", msg => {
    const ev = JSON.parse(msg.data);
    const tr = el("tr"); tr.dataset.seq = ev.seq; tr.dataset.type = ev.type;
    tr.append(el("td", ev.seq), el("td", time(ev.ts).slice(11)), el("td", ev.line));
    body.append(tr);
    scheduleRefresh(id);
  });
}

const m = location.pathname.match(/^\/runs\/([^/]+)$/);
if (location.pathname === "/login") { loginPage(); }
else if (location.pathname === "/start") { startPage(); }
else if (m) { runPage(decodeURIComponent(m[1])); }
else { indexPage(); }
"""
