"""The console's pages. They carry no data: the script (golive.web.script) fetches the JSON API and builds the DOM
with textContent only, so a plan name or a step's output can never become markup. Laid out for a phone first:
nothing wider than the screen, every button at least 44 px high."""

from __future__ import annotations

import hashlib
from html import escape

from golive.web.script import SCRIPT

#: The script's URL names its content, so a browser keeps it (one request fewer on every page load) and still
#: never runs an old script after an upgrade.
SCRIPT_VERSION = hashlib.sha256(SCRIPT.encode()).hexdigest()[:16]

STYLE = """
*{box-sizing:border-box} [hidden]{display:none!important}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9;overflow-wrap:anywhere}
header{background:#1d2330;color:#fff;padding:.5em 1em;display:flex;gap:.8em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}
#who{margin-left:auto;font-size:13px;opacity:.85}
main{padding:.8em 1em;max-width:1100px}
h1{font-size:1.35em;margin:.3em 0} h2{font-size:1.1em;margin:1.2em 0 .4em}
button,.button{min-height:44px;min-width:44px;padding:.5em 1em;border:0;border-radius:6px;font:inherit;
 font-weight:600;background:#1d4ed8;color:#fff;cursor:pointer;display:inline-flex;align-items:center;
 justify-content:center;text-decoration:none}
button.secondary{background:#e3e6eb;color:#1d2330} button.danger{background:#b91c1c}
button:disabled{opacity:.55;cursor:default}
header button{min-height:44px;background:#374151}
input,select,textarea{font:inherit;min-height:44px;padding:.4em .6em;border:1px solid #c5cad3;border-radius:6px;
 width:100%;max-width:100%;background:#fff}
textarea{min-height:5em}
label{display:block;margin:.5em 0;font-weight:600} label span{display:block;font-weight:400;color:#555}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.5em;align-items:end}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:.7em .9em;margin:.6em 0}
.card a.run{font-weight:700}
.row{display:flex;gap:.5em;flex-wrap:wrap;align-items:center}
.badge{display:inline-block;padding:.1em .55em;border-radius:.8em;font-size:12px;font-weight:600;background:#e3e6eb}
.succeeded,.go,.Success,.met,.pass{background:#d6f5dd;color:#14532d}
.waiting,.needs-attention,.Partial,.inconclusive{background:#fff1c2;color:#713f12}
.running,.rolling-back{background:#dbeafe;color:#1e3a8a}
.rolled-back,.rollback-failed,.failed,.no-go,.fail{background:#fde0e0;color:#7f1d1d}
.box{background:#fff;border-left:4px solid #f59e0b;padding:.6em 1em;margin:.8em 0}
.box.attention{border-color:#dc2626}
.muted{color:#666;font-size:13px} .error{color:#b91c1c;font-weight:600} .ok{color:#166534;font-weight:600}
#actions{display:flex;gap:.5em;flex-wrap:wrap;margin:.6em 0}
#dialog{background:#fff;border:2px solid #1d4ed8;border-radius:8px;padding:.8em 1em;margin:.8em 0}
ol.timeline{list-style:none;padding:0;margin:0} ol.timeline>li{background:#fff;border:1px solid #e3e6eb;
 border-left:5px solid #c5cad3;border-radius:6px;padding:.5em .8em;margin:.4em 0}
ol.timeline>li.go{border-left-color:#16a34a} ol.timeline>li.waiting{border-left-color:#f59e0b}
ol.timeline>li.running{border-left-color:#2563eb} ol.timeline>li.no-go{border-left-color:#dc2626}
pre{white-space:pre-wrap;word-break:break-all;background:#eef0f3;padding:.4em .6em;border-radius:4px;
 max-height:16em;overflow-y:auto;margin:.3em 0;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;table-layout:fixed}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e3e6eb;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;color:#555;font-size:12px;text-transform:uppercase}
#log td:first-child{width:3em}
#log td:nth-child(2){width:7em;white-space:nowrap;color:#666;font-variant-numeric:tabular-nums}
#log th:first-child{width:3em} #log th:nth-child(2){width:7em}
code{background:#eef0f3;padding:.1em .35em;border-radius:3px}
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            f'<title>{title}</title><style>{STYLE}</style></head><body><header><a href="/">golive</a>'
            f'<span id="where"></span><span id="who"></span>'
            f'<button id="logout" type="button" hidden>Log out</button>'
            f'<button id="logout-all" type="button" hidden>Log out everywhere</button></header>'
            f'<main>{body}</main><script src="/static/golive.js?v={SCRIPT_VERSION}" defer></script></body></html>')


#: The button is enabled by the script once it holds the form's CSRF token and handles the submit itself: a
#: click before that must not submit the form natively (it would reload the page with the password in it).
LOGIN = _page("golive: log in", """
<h1>Log in</h1>
<p id="sso" hidden><a id="sso-link" class="button" href="/auth/oidc/start">Log in with single sign-on</a></p>
<form id="login" method="post" autocomplete="on">
<label>Name <input name="name" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label id="code-row" hidden>Code from your authenticator app
 <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8"></label>
<button type="submit" disabled>Log in</button>
</form>
<p id="login-error" class="error" role="alert"></p>
""")

INDEX = _page("golive runs", """
<h1>Runs</h1>
<p id="start-link" hidden><a class="button" href="/start">Start a run</a></p>
<form class="filters" id="filters">
<label>Service <input name="service"></label>
<label>Environment <input name="environment"></label>
<label>Status <select name="status"><option value="">any</option><option>running</option><option>waiting</option>
<option>needs-attention</option><option>rolling-back</option><option>succeeded</option><option>rolled-back</option>
<option>rollback-failed</option></select></label>
<label>Person <input name="person"></label>
</form>
<p class="muted" id="updated">loading…</p>
<div id="runs"></div>
""")

RUN = _page("golive run", """
<h1 id="title">Run</h1>
<p class="row"><span id="status" class="badge">…</span> <span id="meta" class="muted"></span></p>
<p class="muted"><span id="window"></span> · <a id="report" href="#">report</a></p>
<p id="runner" class="muted" hidden></p>
<div id="waiting" class="box" hidden></div>
<div id="attention" class="box attention" hidden></div>
<div id="actions"></div>
<section id="dialog" hidden>
<h2 id="dialog-title"></h2>
<p id="dialog-what"></p>
<div id="dialog-plan" hidden><h2>Rollback plan</h2><ol id="dialog-plan-list"></ol></div>
<label id="dialog-step-row" hidden>Step <input id="dialog-step"></label>
<label id="dialog-outcome-row" hidden>It ended <select id="dialog-outcome"><option value="done">done</option>
<option value="failed">failed</option></select></label>
<label id="dialog-reason-row">Reason <span>recorded in the run's log with your name</span>
<textarea id="dialog-reason" required></textarea></label>
<div id="dialog-secrets" hidden></div>
<label id="dialog-typed-row" hidden>Type <code id="dialog-typed-want"></code> to confirm
 <input id="dialog-typed" autocomplete="off"></label>
<p class="row"><button id="dialog-go" type="button">Confirm</button>
<button id="dialog-cancel" type="button" class="secondary">Cancel</button></p>
</section>
<p id="action-result" role="status"></p>
<h2>Timeline</h2>
<ol id="timeline" class="timeline"></ol>
<div id="traffic" hidden><h2>Traffic and verdicts</h2><p id="weight"></p>
<table id="verdicts"><thead><tr><th>Time</th><th>Verdict</th><th>Why</th></tr></thead><tbody></tbody></table></div>
<h2>Steps</h2>
<div id="steps"></div>
<h2>Rollback plan</h2>
<ol id="rollback-plan"></ol>
<h2>Sign-off</h2>
<table id="signoff"><thead><tr><th>Section</th><th>Role</th><th>Name</th><th>Date</th></tr></thead><tbody></tbody>
</table>
<h2>Log</h2>
<p class="muted" id="stream">connecting…</p>
<table id="log"><thead><tr><th>#</th><th>Time</th><th>Event</th></tr></thead><tbody></tbody></table>
""")

START = _page("golive: start a run", """
<h1>Start a run</h1>
<label>Plan <span>from the console's plans directory</span><select id="plan-pick">
<option value="">choose a plan…</option></select></label>
<p id="plan-error" class="error" role="alert"></p>
<section id="plan-view" hidden>
<h2 id="plan-title"></h2>
<p id="plan-signed" hidden></p>
<h2>What it will do (plan show)</h2>
<pre id="plan-show"></pre>
<h2>Rollback plan</h2>
<ol id="plan-rollback"></ol>
<h2>Vars</h2>
<div id="plan-vars"></div>
<p class="muted">Secret values go to the run's process only: they are not stored and never shown again.</p>
<label>Type <code id="start-typed-want"></code> to confirm <input id="start-typed" autocomplete="off"></label>
<p class="row"><button id="start-go" type="button">Start the run</button></p>
</section>
<p id="start-result" role="status"></p>
""")


def login_failed(message: str) -> str:
    return _page("golive: login failed", f'<h1>Login failed</h1><p class="error">{escape(message)}</p>'
                                         '<p><a class="button" href="/login">Try again</a></p>')
