"""The team console under load, on loopback, against the demo run (examples/loans/demo.py into a temporary dir):

1. first paint of the run page in Chromium (Playwright, Debian's /usr/bin/chromium): first-contentful-paint and
   the moment the run's status is on the page, median and worst of --loads page loads; the peer is the same
   page and script as static files from `python -m http.server` (what a page costs the browser with a server
   doing nothing), loaded as often in the same browser: the ratio is what golive web adds;
2. each event visible on an open run page after it is appended to the log (--events appends, 300 ms apart);
3. --viewers concurrent server-sent-event viewers of one run, measured from a second process (this script with
   --child): every viewer must receive every appended event; delivery delay after the append, and the server's
   CPU time meanwhile. The peer is the stream as golive web served it before the console (each viewer polls the
   log on its own, every 0.5 s), run in the same process tree on the same log: the script prints both and ratios.

    .venv/bin/python bench/web_console.py [--viewers 200] [--events 20] [--loads 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password, long enough"
PEER = r'''
import asyncio, json, sys
from pathlib import Path
import uvicorn
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route
from golive.store.sqlite import SQLiteStore
store = SQLiteStore(Path(sys.argv[1]))
async def stream(request):
    async def frames():
        last = int(request.headers.get("last-event-id") or 0)
        yield "retry: 2000\n\n"
        while True:
            for ev in store.events(request.path_params["run_id"], after=last):
                last = ev.seq
                yield f"id: {ev.seq}\nevent: run-event\ndata: {json.dumps({'seq': ev.seq, 'payload': ev.payload})}\n\n"
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.5)
    return StreamingResponse(frames(), media_type="text/event-stream")
app = Starlette(routes=[Route("/api/runs/{run_id}/events/stream", stream)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
'''


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def golive(*args: str, store: Path, stdin: str | None = None) -> str:
    r = subprocess.run([sys.executable, "-m", "golive", "--store", str(store), *args], input=stdin,
                       capture_output=True, text=True, check=True, cwd=store.parent)
    return r.stdout


def start(cmd: list[str], url_from_line: bool, cwd: Path, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    if url_from_line:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[2].rstrip("/")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=2)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"server did not start: {cmd}")


def append(store_path: Path, run_id: str, i: int) -> float:
    from golive.store.sqlite import SQLiteStore

    store = SQLiteStore(store_path)
    try:
        sent = time.time() * 1000
        store.append(run_id, "run.note", {"by": "bench", "note": f"bench event {i}", "sent_ms": sent})
        return sent
    finally:
        store.close()


# -- the second process: N viewers --------------------------------------------------------------------------
async def viewers(url: str, run_id: str, token: str, n: int, expect: int, head: int) -> dict[str, Any]:
    delays: list[float] = []
    connected = 0
    got = [0] * n
    ready = asyncio.Event()

    async def one(i: int, client: httpx.AsyncClient) -> None:
        nonlocal connected
        headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": str(head)}
        async with client.stream("GET", f"{url}/api/runs/{run_id}/events/stream", headers=headers) as r:
            assert r.status_code == 200, r.status_code
            connected += 1
            if connected == n:
                ready.set()
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    p = json.loads(line[6:])["payload"]
                    if "sent_ms" in p:
                        delays.append(time.time() * 1000 - p["sent_ms"])
                        got[i] += 1
                        if got[i] == expect:
                            return

    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120), limits=limits) as client:
        tasks = [asyncio.create_task(one(i, client)) for i in range(n)]
        await asyncio.wait_for(ready.wait(), 120)
        print("ready", flush=True)
        await asyncio.wait_for(asyncio.gather(*tasks), 300)
    return {"viewers": n, "complete": sum(1 for g in got if g == expect), "delays": delays}


def child(args: argparse.Namespace) -> None:
    url, run_id, token, n, expect, head = args.child
    print(json.dumps(asyncio.run(viewers(url, run_id, token, int(n), int(expect), int(head)))), flush=True)


def sse_load(url: str, server_pid: int, store: Path, run_id: str, token: str, n: int, events: int) -> dict[str, Any]:
    from golive.store.sqlite import SQLiteStore

    s = SQLiteStore(store)
    head = s.get_run(run_id).head_seq
    s.close()
    proc = subprocess.Popen([sys.executable, __file__, "--child", url, run_id, token, str(n), str(events),
                             str(head)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    cpu0, t0 = cpu_seconds(server_pid), time.monotonic()
    for i in range(events):
        append(store, run_id, i)
        time.sleep(0.3)
    out = json.loads(proc.stdout.readline())
    proc.wait(timeout=60)
    cpu = cpu_seconds(server_pid) - cpu0
    wall = time.monotonic() - t0
    d = out["delays"]
    return {"viewers": n, "complete": out["complete"], "deliveries": len(d), "p50_ms": statistics.median(d),
            "p95_ms": pct(d, 95), "max_ms": max(d), "server_cpu_s": cpu, "wall_s": wall}


def until(page: Any, expression: str, timeout: float = 60) -> None:
    """Poll a page expression (page.evaluate goes through DevTools, so the page's CSP, which forbids eval,
    does not stop it; wait_for_function would). Timings are taken inside the page, not by this loop."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"page never satisfied {expression}")
        time.sleep(0.02)


def browser_figures(url: str, store: Path, run_id: str, loads: int, events: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    init = """window.__seen = {};
      new MutationObserver(() => {
        const st = document.getElementById('status');
        if (!window.__ready && st && st.dataset.status) window.__ready = performance.now();
        for (const tr of document.querySelectorAll('#log tr[data-seq]'))
          if (!(tr.dataset.seq in window.__seen)) window.__seen[tr.dataset.seq] = Date.now();
      }).observe(document, {subtree: true, childList: true, attributes: true});"""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        ctx = b.new_context()
        ctx.add_init_script(init)
        page = ctx.new_page()
        page.goto(f"{url}/login?next=/runs/{run_id}")
        page.fill("input[name=name]", "bench")
        page.fill("input[name=password]", PASSWORD)
        page.click("form#login button[type=submit]")
        page.wait_for_url(f"{url}/runs/{run_id}")
        fcp, ready = [], []
        for _ in range(loads):
            page.goto(f"{url}/runs/{run_id}")
            until(page, "window.__ready !== undefined")
            fcp.append(page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"))
            ready.append(page.evaluate("window.__ready"))
        peer_fcp = static_peer(page, url, run_id, loads)
        page.goto(f"{url}/runs/{run_id}")
        until(page, "document.getElementById('stream').textContent === 'live'")
        from golive.store.sqlite import SQLiteStore

        s = SQLiteStore(store)
        head = s.get_run(run_id).head_seq
        s.close()
        sent = []
        for i in range(events):
            sent.append(append(store, run_id, i))
            time.sleep(0.3)
        last = head + events
        until(page, f"window.__seen['{last}'] !== undefined")
        seen = page.evaluate("window.__seen")
        lat = [seen[str(head + 1 + i)] - sent[i] for i in range(events)]
        b.close()
    return {"fcp_ms": fcp, "status_on_page_ms": ready, "event_visible_ms": lat, "peer_fcp_ms": peer_fcp}


def static_peer(page: Any, url: str, run_id: str, loads: int) -> list[float]:
    """First-contentful-paint of the same page and script served as static files by python -m http.server."""
    from golive.traffic.local import free_port

    html = page.evaluate(f"fetch('/runs/{run_id}').then(r => r.text())")
    script = page.evaluate("fetch(document.querySelector('script').src).then(r => r.text())")
    with tempfile.TemporaryDirectory(prefix="golive-web-peer-") as tmp:
        (Path(tmp) / "static").mkdir()
        (Path(tmp) / "run.html").write_text(html)
        (Path(tmp) / "static" / "golive.js").write_text(script)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                   "--directory", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/run.html", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise SystemExit("python -m http.server did not start") from None
                    time.sleep(0.05)
            out = []
            for _ in range(loads):
                page.goto(f"http://127.0.0.1:{port}/run.html")
                until(page, "performance.getEntriesByName('first-contentful-paint').length > 0")
                out.append(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
            return out
        finally:
            server.terminate()
            server.wait(timeout=30)


def report_page(f: dict[str, Any], loads: int) -> None:
    print(f"run page, demo run, {loads} loads: first-contentful-paint median {statistics.median(f['fcp_ms']):.0f}"
          f" ms (max {max(f['fcp_ms']):.0f}); run status on the page median"
          f" {statistics.median(f['status_on_page_ms']):.0f} ms (max {max(f['status_on_page_ms']):.0f})", flush=True)
    peer = statistics.median(f["peer_fcp_ms"])
    print(f"peer: the same page as static files (python -m http.server): first-contentful-paint median {peer:.0f} ms"
          f" (max {max(f['peer_fcp_ms']):.0f}); ratio golive/peer"
          f" {statistics.median(f['fcp_ms']) / max(peer, 1):.2f}x", flush=True)
    ev = f["event_visible_ms"]
    print(f"event visible on an open page after append, {len(ev)} events: median {statistics.median(ev):.0f} ms,"
          f" max {max(ev):.0f} ms", flush=True)


def report_sse(name: str, r: dict[str, Any], events: int) -> None:
    print(f"{name}: {r['viewers']} viewers, {r['complete']} got all {events} events; delivery after"
          f" append p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms;"
          f" server CPU {r['server_cpu_s']:.1f} s over {r['wall_s']:.1f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", type=int, default=200)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--loads", type=int, default=10)
    ap.add_argument("--page-only", action="store_true", help="only the page figures (no SSE load)")
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="golive-web-bench-") as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run([sys.executable, str(ROOT / "examples" / "loans" / "demo.py"), "--dir", str(demo)],
                       check=True, capture_output=True)
        store = demo / "golive.db"
        run_id = json.loads(golive("runs", "--json", store=store))[0]["run"]
        golive("web", "user", "add", "bench", "--password-stdin", store=store, stdin=PASSWORD + "\n")
        token = golive("web", "token", "add", "bench", "--role", "viewer", store=store).split()[-1]
        server, url = start([sys.executable, "-m", "golive", "--store", str(store), "web", "--port", "0"], True, demo)
        try:
            page = browser_figures(url, store, run_id, args.loads, args.events)
            report_page(page, args.loads)
            if args.page_only:
                return
            ours = sse_load(url, server.pid, store, run_id, token, args.viewers, args.events)
            report_sse("golive web (one reader per run)", ours, args.events)
        finally:
            server.terminate()
            server.wait(timeout=30)
        from golive.traffic.local import free_port

        port = free_port()
        peer, peer_url = start([sys.executable, "-c", PEER, str(store), str(port)], False, demo, port)
        try:
            theirs = sse_load(peer_url, peer.pid, store, run_id, token, args.viewers, args.events)
            report_sse("peer: per-viewer polling", theirs, args.events)
        finally:
            peer.terminate()
            peer.wait(timeout=30)
    print(f"ratios peer/golive: p95 delivery {theirs['p95_ms'] / ours['p95_ms']:.2f}x,"
          f" server CPU {theirs['server_cpu_s'] / max(ours['server_cpu_s'], 0.01):.2f}x")


if __name__ == "__main__":
    main()
