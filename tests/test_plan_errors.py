"""Malformed plans: every one gets `file:line:col: path: message` on stderr, exit code 2, never a traceback.

Most cases go through `golive.cli.main` in-process (the same code path as the command, minus the
interpreter start-up, which costs about a second per case here); a representative subset also runs the real
command in a subprocess, for both `plan validate` and `run`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import golive
from golive.cli import main

HEAD = "name: demo\nservice: svc\nenvironment: prod\n"
ONE_PHASE = "phases:\n  - name: One\n    steps:\n      - shell: echo hi\n"


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n" + HEAD + "phases: *a9\n"


#: (id, plan text, exact expected stderr lines; `F` stands for the file name; a trailing `...` matches a prefix,
#: for messages that list the registered step kinds, which grow)
CASES: list[tuple[str, str, list[str]]] = [
    ("yaml-syntax", "name: demo\nservice: [svc\nenvironment: prod\n",
     ["F:3:12: YAML: expected ',' or ']', but got ':'"]),
    ("duplicate-key", "name: demo\nservice: svc\nservice: other\nenvironment: prod\n" + ONE_PHASE,
     ["F:3:1: YAML: duplicate key 'service'"]),
    ("unknown-key-did-you-mean", HEAD + "phases:\n  - name: One\n    steps:\n      - shell:\n          comand: echo\n",
     ["F:8:11: phases[0].steps[0].shell: unknown key 'comand' (did you mean 'command'?)"]),
    ("unknown-step-kind", HEAD + "phases:\n  - name: One\n    steps:\n      - shel: echo hi\n",
     ["F:7:9: phases[0].steps[0]: unknown key 'shel' (did you mean 'shell'?)"]),
    ("two-kinds", HEAD + "phases:\n  - name: One\n    steps:\n      - shell: echo hi\n        wait: 1s\n",
     ["F:8:9: phases[0].steps[0]: a step has exactly one kind, found shell and wait"]),
    ("missing-service", "name: demo\nenvironment: prod\n" + ONE_PHASE,
     ["F:1:1: missing required key 'service'"]),
    ("missing-phase-name", HEAD + "phases:\n  - steps:\n      - shell: echo hi\n",
     ["F:5:5: phases[0]: missing required key 'name'"]),
    ("missing-phases", HEAD, ["F:1:1: missing required key 'phases'"]),
    ("wrong-type-timebox", HEAD + "phases:\n  - name: One\n    timebox: [1]\n    steps: [echo hi]\n",
     ["F:6:14: phases[0].timebox: expected a number, found a list"]),
    ("bad-duration", HEAD + "phases:\n  - name: One\n    timebox: 5 minutes-ish\n    steps: [echo hi]\n",
     ["F:6:14: phases[0].timebox: '5 minutes-ish' is not a duration (write e.g. '30s', '5m', '1h30m')"]),
    ("negative-duration", HEAD + "phases:\n  - name: One\n    timebox: -5\n    steps: [echo hi]\n",
     ["F:6:14: phases[0].timebox: a duration cannot be negative"]),
    ("empty-phases", HEAD + "phases: []\n", ["F:4:9: phases: must not be empty"]),
    ("empty-steps", HEAD + "phases:\n  - name: One\n    steps: []\n", ["F:6:12: phases[0].steps: must not be empty"]),
    ("bad-timezone", HEAD + 'window:\n  start: "02:00"\n  end: "04:00"\n  timezone: Mars/Olympus\n' + ONE_PHASE,
     ["F:7:13: window.timezone: unknown time zone 'Mars/Olympus' (use an IANA name like 'America/New_York')"]),
    ("bad-time-of-day", HEAD + 'window: {start: "25:00", end: "04:00"}\n' + ONE_PHASE,
     ["F:4:17: window.start: '25:00' is neither a date-time ('2025-11-07T02:00') nor a time of day ('02:00')"]),
    ("window-ends-before-start", HEAD + "window:\n  start: 2026-01-02T04:00\n  end: 2026-01-02T02:00\n" + ONE_PHASE,
     ["F:5:3: window: the window ends before it starts"]),
    ("window-day-unknown", HEAD + 'window:\n  start: "02:00"\n  end: "04:00"\n  days: [tue, tues]\n' + ONE_PHASE,
     ["F:7:15: window.days[1]: 'tues' is not a weekday (use mon, tue, wed, thu, fri, sat, sun)"]),
    ("window-days-on-a-date", HEAD + "window:\n  start: 2026-12-01T02:00\n  end: 2026-12-01T04:00\n  days: [tue]\n"
     + ONE_PHASE,
     ["F:5:3: window: `days` is for a window of times of day (start: '02:00'); a window with dates opens once, on"
      " its date"]),
    ("secret-with-inline-value", HEAD + "vars:\n  TOKEN: {secret: true, value: abc}\n" + ONE_PHASE,
     ["F:5:10: vars.TOKEN: a secret var must not carry its value in the plan; use from_env or from_file"]),
    ("approvals-role-unknown",
     HEAD + "approvers:\n  ops: [ann]\n" + ONE_PHASE + "    gate:\n      approvals: {role: dba}\n",
     ["F:11:25: phases[0].gate.approvals.role: role 'dba' is not in approvers (ops)"]),
    ("approvals-count-zero", HEAD + ONE_PHASE + "    gate: {approvals: {count: 0}}\n",
     ["F:8:31: phases[0].gate.approvals.count: must be at least 1, found 0"]),
    ("rollback-covers-unknown-phase",
     HEAD + "phases:\n  - name: Deploy\n    steps: [echo hi]\n"
     "rollback:\n  levels:\n    - level: 1\n      name: L\n      covers: [Deplo]\n      steps: [echo undo]\n",
     ["F:11:16: rollback.levels[0].covers[0]: no phase named 'Deplo' (did you mean 'Deploy'?)"]),
    ("duplicate-phase-names",
     HEAD + "phases:\n  - name: One\n    steps: [echo a]\n  - name: One\n    steps: [echo b]\n",
     ["F:7:11: phases[1].name: phase name 'One' is used twice (also phases[0])"]),
    ("invalid-regex",
     HEAD + 'phases:\n  - name: One\n    steps:\n      - shell: {command: echo hi, expect_output: "(["}\n',
     ["F:7:50: phases[0].steps[0].shell.expect_output: not a valid regular expression:"
      " unterminated character set at position 1"]),
    ("bad-overrun-literal", HEAD + ONE_PHASE + "    on_overrun: panic\n",
     ["F:8:17: phases[0].on_overrun: expected 'warn' or 'no-go', found 'panic'"]),
    ("plan-is-a-list", "- name: demo\n- service: svc\n", ["F:1:1: a plan is a mapping of keys (found a list)"]),
    ("empty-file", "", ["F:1:1: a plan is a mapping of keys (found an empty file)"]),
    ("comments-only", "# nothing here yet\n", ["F:1:1: a plan is a mapping of keys (found an empty file)"]),
    ("unknown-top-level-key", HEAD + "phasess: []\n" + ONE_PHASE,
     ["F:4:1: unknown key 'phasess' (did you mean 'phases'?)"]),
    ("step-not-a-mapping", HEAD + "phases:\n  - name: One\n    steps:\n      - 42\n",
     ["F:7:9: phases[0].steps[0]: expected a step (a mapping with one of: shell, manual, wait..."]),
    ("bad-undo", HEAD + "phases:\n  - name: One\n    steps:\n      - shell: echo\n        undo: {shel: x}\n",
     ["F:8:16: phases[0].steps[0].undo: unknown key 'shel' (did you mean 'shell'?)"]),
    # sections validated only when a plan has them (golive.core.lazyunion.LazyType): the same places and hints
    ("host-group-typo", HEAD + "hosts:\n  web: {hsts: [a]}\n" + ONE_PHASE,
     ["F:5:9: hosts.web: unknown key 'hsts' (did you mean 'hosts'?)"]),
    ("contacts-typo", HEAD + "contacts:\n  escalaton: []\n" + ONE_PHASE,
     ["F:5:3: contacts: unknown key 'escalaton' (did you mean 'escalation'?)"]),
    ("router-type", HEAD + "routers:\n  r: {type: nope}\n" + ONE_PHASE,
     ["F:5:6: routers.r: unknown type 'nope'; expected one of: haproxy, nginx, builtin"]),
    ("lock-kind", HEAD + "locks:\n  - {bogus: 1}\n" + ONE_PHASE,
     ["F:5:5: locks[0]: a lock is one of: local: true, postgres: DSN, hosts: GROUP, router: NAME"]),
    ("tab-indentation", "\tname: demo\n", ["F:1:1: YAML: found character '\\t' that cannot start any token"]),
    ("deep-flow-nesting", "name: " + "[" * 3000 + "]" * 3000 + "\n", ["F:1:71: YAML nested more than 64 levels deep"]),
    ("merge-key-unknown-fields",
     "x: &d {bogus: 1}\n" + HEAD + "phases:\n  - <<: *d\n    name: One\n    steps: [echo]\n",
     ["F:1:1: unknown key 'x'", "F:6:5: phases[0]: unknown key 'bogus';"
      " allowed: name, description, timebox, on_overrun, steps, gate"]),
    ("all-errors-at-once",
     HEAD + 'phases:\n  - name: One\n    timebox: soon\n    steps:\n      - shel: echo a\n'
     '      - shell: {command: echo hi, expect_output: "(["}\n',
     ["F:6:14: phases[0].timebox: 'soon' is not a duration (write e.g. '30s', '5m', '1h30m')",
      "F:8:9: phases[0].steps[0]: unknown key 'shel' (did you mean 'shell'?)",
      "F:9:50: phases[0].steps[1].shell.expect_output: not a valid regular expression:"
      " unterminated character set at position 1"]),
]


def assert_lines(err: str, expected: list[str], filename: str) -> None:
    got = err.splitlines()
    want = [line.replace("F:", f"{filename}:", 1) for line in expected]
    assert len(got) == len(want), err
    for g, w in zip(got, want, strict=True):
        if w.endswith("..."):
            assert g.startswith(w[:-3]), g
        else:
            assert g == w


def _validate_in_process(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["plan", "validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("text", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_plan_reports_exact_position(
    text: str, expected: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "bad.yaml").write_text(text, encoding="utf-8")
    code, out, err = _validate_in_process(Path("bad.yaml"), capsys)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert_lines(err, expected, "bad.yaml")
    assert "ok" not in out


def test_non_utf8_bytes_point_at_the_bad_byte(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "latin1.yaml").write_bytes(HEAD.encode() + b"description: caf\xe9 menu\n" + ONE_PHASE.encode())
    code, _, err = _validate_in_process(Path("latin1.yaml"), capsys)
    assert code == 2
    assert err.splitlines() == ["latin1.yaml:4:17: plan is not valid UTF-8"]


def test_billion_laughs_is_refused_fast(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "laughs.yaml").write_text(billion_laughs(), encoding="utf-8")
    started = time.process_time()  # CPU time: the work done, not the time a busy machine gave other processes
    code, _, err = _validate_in_process(Path("laughs.yaml"), capsys)
    elapsed = time.process_time() - started
    assert code == 2
    assert err.splitlines() == ["laughs.yaml:1:1: plan expands to more than 100000 nodes (aliases nested too deep?)"]
    assert elapsed < 2.0, f"took {elapsed:.2f}s"


def test_missing_file_and_directory(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _validate_in_process(Path("nope.yaml"), capsys)
    assert (code, err.strip()) == (2, "nope.yaml:1:1: cannot read plan: No such file or directory")
    (workdir / "adir").mkdir()
    code, _, err = _validate_in_process(Path("adir"), capsys)
    assert (code, err.strip()) == (2, "adir:1:1: cannot read plan: Is a directory")


def test_valid_plan_passes(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "good.yaml").write_text(HEAD + ONE_PHASE, encoding="utf-8")
    code, out, err = _validate_in_process(Path("good.yaml"), capsys)
    assert (code, out, err) == (0, "good.yaml: ok\n", "")


# -- the real command, in a subprocess ----------------------------------------------------------------

SUBPROCESS_CASES = ["unknown-key-did-you-mean", "yaml-syntax", "all-errors-at-once"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_real_command_validate(case: str, workdir: Path) -> None:
    text, expected = next((c[1], c[2]) for c in CASES if c[0] == case)
    (workdir / "p.yaml").write_text(text, encoding="utf-8")
    r = golive("plan", "validate", "p.yaml", cwd=workdir)
    assert r.code == 2
    assert "Traceback" not in r.err
    assert_lines(r.err, expected, "p.yaml")


@pytest.mark.parametrize("case", ["unknown-step-kind", "secret-with-inline-value"])
def test_real_command_run_refuses_bad_plan_before_touching_anything(case: str, workdir: Path) -> None:
    text, expected = next((c[1], c[2]) for c in CASES if c[0] == case)
    (workdir / "p.yaml").write_text(text, encoding="utf-8")
    r = golive("run", "p.yaml", cwd=workdir)
    assert r.code == 2
    assert "Traceback" not in r.err
    assert_lines(r.err, expected, "p.yaml")
    assert not (workdir / ".golive").exists(), "a refused plan must not create a run log"


def test_real_command_non_utf8_and_laughs(workdir: Path) -> None:
    (workdir / "bin.yaml").write_bytes(b"name: d\xffmo\n")
    (workdir / "laughs.yaml").write_text(billion_laughs(), encoding="utf-8")
    r = golive("plan", "validate", "bin.yaml", cwd=workdir)
    assert (r.code, r.err.strip()) == (2, "bin.yaml:1:8: plan is not valid UTF-8")
    started = time.monotonic()
    r = golive("run", "laughs.yaml", cwd=workdir, timeout=30)
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.strip() == "laughs.yaml:1:1: plan expands to more than 100000 nodes (aliases nested too deep?)"
    assert time.monotonic() - started < 10  # includes interpreter start-up; the parse itself is checked above
