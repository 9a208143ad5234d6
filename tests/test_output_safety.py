"""Nothing a plan or a step supplies reaches a terminal raw: escapes in the plan's name, a phase name, step
names and step output (OSC window title, clear screen, cursor up + erase line, 8-bit CSI, a right-to-left
override) are shown as visible escapes by `run` (plain and the live view on a terminal), `log`, `status`,
`runs` and the Markdown report, and a newline in a step name cannot forge a "run SUCCEEDED" line.

A terminal emulator (pyte) reads exactly the bytes golive wrote and the test looks at the screen a person
would see: its title, whether earlier lines were wiped, and the text on each line."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pyte

from conftest import golive

TITLE = "\x1b]0;PWNED\x07"
CLEAR = "\x1b[2J\x1b[H"
UP_ERASE = "\x1b[1A\x1b[2K"
CSI8 = "\x9b2J"
RLO = "\u202e"
FORGED = "   9 01:02:03 run SUCCEEDED: all phases passed their gates"



def _q(text: str) -> str:
    """A YAML double-quoted scalar spelling every control character as an escape (YAML forbids them raw)."""
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else
                         (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text) + '"'


def _printf(text: str) -> str:
    """The shell's printf spelling of `text` (octal escapes), so the step's output carries the raw bytes."""
    return "".join(f"\\\\{ord(c):03o}" if not c.isprintable() else c for c in text)


NAMES = {"plan": f"evil{TITLE}plan", "phase": f"phase{CLEAR}one", "greet": f"greet{RLO}txt.exe",
         "sneaky": "sneaky\n" + FORGED + UP_ERASE, "fails": f"fails{CSI8}here"}
Q = {k: _q(v) for k, v in NAMES.items()}
OUT1 = "out" + _printf(UP_ERASE) + "put" + _printf(TITLE) + "\\\\n"
OUT2 = "bad" + _printf(CLEAR) + "\\\\n"
PLAN = f"""\
name: {Q["plan"]}
service: escsvc
environment: test
phases:
  - name: {Q["phase"]}
    steps:
      - name: {Q["greet"]}
        shell: "printf '{OUT1}'"
      - name: {Q["sneaky"]}
        shell: "true"
      - name: {Q["fails"]}
        shell: "printf '{OUT2}' >&2; exit 3"
"""
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _screen(data: bytes, cols: int = 250, rows: int = 200) -> pyte.Screen:
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(data.replace(b"\n", b"\r\n") if b"\r\n" not in data else data)
    return screen


def _assert_harmless(screen: pyte.Screen, must_show: list[str]) -> None:
    text = "\n".join(line.rstrip() for line in screen.display)
    assert screen.title == "", f"the window title was set to {screen.title!r}"
    assert RLO not in text
    for needle in must_show:
        assert needle in text, f"{needle!r} not on the screen:\n{text}"
    forged = [ln for ln in screen.display if re.match(r"\s*\d+ \d\d:\d\d:\d\d run SUCCEEDED", ln)]
    assert not forged, f"a forged line: {forged}"


def _write_plan(workdir: Path) -> Path:
    plan = workdir / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    return plan


def _run_id(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, out
    return m.group(1)


def test_plain_run_log_status_runs_and_markdown_are_escaped(workdir: Path) -> None:
    _write_plan(workdir)
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err  # the third step fails; nothing to undo
    run_id = _run_id(res.out)
    # The first event line must survive on screen: a raw `ESC[2J` or `ESC[1A ESC[2K` would wipe it.
    _assert_harmless(_screen(res.out.encode()), [f"run {run_id} created", "\\x1b]0;PWNED\\x07", "\\u202e",
                                                  "sneaky\\x0a   9 01:02:03", "\\x9b2J"])
    for args in (("log", run_id), ("status", run_id), ("runs",)):
        out = golive(*args, cwd=workdir)
        assert out.code == 0, out.err
        assert not CONTROL.search(out.out), f"golive {' '.join(args)} printed a control character: {out.out!r}"
        _assert_harmless(_screen(out.out.encode()), [])
    log = golive("log", run_id, cwd=workdir).out
    assert "sneaky\\x0a" in log and not any(ln.lstrip().startswith("9 01:02:03") for ln in log.splitlines())
    md = golive("report", run_id, "--format", "md", cwd=workdir)
    assert md.code == 0, md.err
    assert not CONTROL.search(md.out), [m.group() for m in CONTROL.finditer(md.out)]
    assert "\\x1b[2J" in md.out  # the step's stderr is in the report, visibly
    # JSON keeps the exact text (escaped by JSON itself), so nothing is lost for machines.
    events = [json.loads(line) for line in golive("log", run_id, "--json", cwd=workdir).out.splitlines()]
    assert any(TITLE in str(e["payload"].get("plan", {}).get("name", "")) for e in events)


def test_live_view_on_a_terminal_is_escaped(workdir: Path) -> None:
    _write_plan(workdir)
    master, slave = pty.openpty()
    env = {**os.environ, "GOLIVE_USER": "tester", "COLUMNS": "250", "LINES": "200", "TERM": "xterm"}
    env.pop("CI", None)
    proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the other side closed: golive exited
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=30) == 1
    raw = b"".join(chunks)
    assert b"\x1b]0;PWNED" not in raw and RLO.encode() not in raw and b"\x1b[2J" not in raw
    screen = _screen(raw)
    _assert_harmless(screen, ["created by tester", "\\x1b]0;PWNED\\x07", "\\u202e"])
