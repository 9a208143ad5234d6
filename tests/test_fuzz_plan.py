"""Fuzzed plan YAML: valid plans mutated every way a person (or an attacker) might.

Property: `parse_plan_text` (and `golive plan validate` on the same bytes) either returns a valid plan or
raises PlanError whose every issue reads `plan.yaml:LINE:COL: ...` with a real position; never another
exception, never more than 2 s or 200 MB for one input. Each input is loaded in a forked child, so what is
measured is that input's alone: the child's CPU time (user + system; wall time on two cores shared with other
test runs swings 10x, CPU time does not; a child still running after 60 s wall is killed and fails the
test) and how far its resident set grew (VmHWM minus VmRSS at the start).
"""

from __future__ import annotations

import copy
import gc
import json
import os
import re
import resource
import signal
import tempfile
import time
import traceback
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from golive.errors import PlanError
from golive.plan.loader import load_plan, parse_plan_text
from golive.plan.model import Plan
from inproc import cli

MAX_SECONDS = 2.0
MAX_BYTES = 200 * 1024 * 1024

BASE: dict[str, Any] = {
    "name": "fuzz 1.1.0",
    "service": "fuzz",
    "environment": "staging",
    "version": {"from": "1.0.0", "to": "1.1.0"},
    "vars": {"DATABASE_URL": {"secret": True, "from_env": "FUZZ_DB"}, "PORT": {"value": "8080"}},
    "approvers": {"release-manager": ["alice", "bob"]},
    "separation_of_duties": True,
    "phases": [
        {"name": "Database", "timebox": "30m", "on_overrun": "no-go",
         "steps": [{"name": "migrate", "shell": "flask db upgrade", "undo": "flask db downgrade", "timeout": "5m"},
                   {"check": {"type": "port", "host": "127.0.0.1", "port": 5432}},
                   "echo plain"],
         "gate": {"description": "schema deployed", "approvals": {"count": 1, "role": "release-manager"}}},
        {"name": "App", "steps": [{"http": {"url": "http://127.0.0.1:8080/health", "expect": {"status": 200}}},
                                  {"wait": "10s"}]},
    ],
    "rollback": {"levels": [{"level": 1, "name": "back", "covers": ["App"], "steps": ["./restore.sh"]}]},
}


_DIR = Path(tempfile.mkdtemp(prefix="golive-fuzz-"))
PLAN_FILE = _DIR / "plan.yaml"
ISSUE = re.compile(rf"^{re.escape(str(PLAN_FILE))}:(\d+):(\d+): \S")


def _kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _load_in_child(path: Path) -> dict[str, Any]:
    """Runs in a forked child: load the plan, time it, and measure how much the resident set grew."""
    base = _kb("VmRSS")
    started, cpu = time.perf_counter(), _cpu()
    try:
        plan = load_plan(path)
    except PlanError as exc:
        res: dict[str, Any] = {"kind": "error", "issues": [str(i) for i in exc.issues]}
    except BaseException:
        res = {"kind": "crash", "traceback": traceback.format_exc()}
    else:
        res = {"kind": "ok" if isinstance(plan, Plan) else f"returned {type(plan).__name__}"}
    res["seconds"] = _cpu() - cpu
    res["wall"] = time.perf_counter() - started
    res["grew"] = (_kb("VmHWM") - base) * 1024
    return res


def _outcome(text: str) -> str:
    """'ok' or 'error' for loading `text` from a file as golive does (size limit, UTF-8 check, YAML, model,
    cross-checks), in a forked child so that a crash of the parser (even SIGSEGV), its time and its memory
    are measured for this input alone; fails the test on anything but a plan or positioned errors."""
    PLAN_FILE.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    result = PLAN_FILE.with_suffix(".result.json")  # a file, not a pipe: a long result must not block the child
    result.unlink(missing_ok=True)
    # The child's garbage collector would otherwise walk (and so copy-on-write) the whole of this process's
    # heap, pytest's and hypothesis's included: seconds of the child's CPU that are not the loader's.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            result.write_text(json.dumps(_load_in_child(PLAN_FILE)), encoding="utf-8")
        except BaseException:
            code = 1
        os._exit(code)
    gc.unfreeze()
    deadline = time.monotonic() + 30 * MAX_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"loading the plan took more than {30 * MAX_SECONDS:.0f}s: {text[:300]!r}")
        time.sleep(0.002)
    data = result.read_text(encoding="utf-8") if result.exists() else ""
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data, \
        f"loading the plan killed the process (status {status}): {text[:300]!r}"
    res = json.loads(data)
    assert res["kind"] != "crash", f"load_plan raised instead of PlanError:\n{res['traceback']}\ninput: {text[:500]!r}"
    assert res["kind"] in ("ok", "error"), res["kind"]
    if res["kind"] == "error":
        assert res["issues"], "a PlanError without issues"
        lines = text.count("\n") + 2
        for issue in res["issues"]:
            m = ISSUE.match(issue)
            assert m, f"no position in {issue[:200]!r}"
            assert 1 <= int(m.group(1)) <= lines and int(m.group(2)) >= 1, issue[:200]
    assert res["seconds"] < MAX_SECONDS, \
        f"{res['seconds']:.2f}s CPU ({res['wall']:.2f}s wall) for input of {len(text)} chars: {text[:300]!r}"
    assert res["grew"] < MAX_BYTES, f"{res['grew'] / 1e6:.0f} MB for input of {len(text)} chars: {text[:300]!r}"
    return str(res["kind"])


# -- strategies ------------------------------------------------------------------------------------

def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


ALL_PATHS = _paths(BASE)[1:]

unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), unicode_text,
                    st.just(10**400), st.just(-(2**63)), st.just(""), st.just("~"), st.just("no"),
                    st.just("0x1F"), st.just("1e999"), st.just(".inf"), st.just("$(touch pwned)"))
wrong_values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(unicode_text, scalars, max_size=3))
huge_values = st.one_of(
    st.integers(1000, 200_000).map(lambda n: "x" * n),
    st.just(10**4000),
    st.integers(100, 3000).map(lambda n: ["echo hi"] * n),
    st.integers(100, 2000).map(lambda n: {f"k{i}": i for i in range(n)}),
)


def _nest(depth: int, kind: str) -> Any:
    node: Any = "x"
    for _ in range(depth):
        node = [node] if kind == "list" else {"a": node}
    return node


deep_values = st.builds(_nest, st.integers(10, 600), st.sampled_from(["list", "dict"]))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    node = doc
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value
    return doc


def _delete(doc: Any, path: tuple[Any, ...]) -> Any:
    doc = copy.deepcopy(doc)
    node = doc
    for seg in path[:-1]:
        node = node[seg]
    del node[path[-1]]
    return doc


@st.composite
def mutated_docs(draw: st.DrawFn) -> Any:
    doc: Any = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["wrong", "missing", "huge", "deep", "unicode-key"]))
        if how == "wrong":
            doc = _set(doc, path, draw(wrong_values))
        elif how == "missing":
            doc = _delete(doc, path)
        elif how == "huge":
            doc = _set(doc, path, draw(huge_values))
        elif how == "deep":
            doc = _set(doc, path, draw(deep_values))
        else:
            parent = path[:-1]
            node = doc
            for seg in parent:
                node = node[seg]
            if isinstance(node, dict):
                node[draw(unicode_text)] = draw(scalars)
    return doc


def _dump(doc: Any, style: str) -> str:
    if style == "json":
        return json.dumps(doc, ensure_ascii=False, default=str)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = style == "flow"
    yaml.width = 4096
    buf = StringIO()
    try:
        yaml.dump(doc, buf)
    except RecursionError:  # too deep for the dumper itself: write it as JSON (flow) instead
        return json.dumps(doc, ensure_ascii=False, default=str)
    return buf.getvalue()


def _block(doc: Any) -> str:
    return _dump(doc, "block")


BASE_TEXT = _block(BASE)


def _billion_laughs(depth: int, width: int) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return BASE_TEXT + "\n".join(lines) + "\n" + f"extra: *a{depth}\n"


def _with_anchors(where: int, alias_ok: bool) -> str:
    """The phases list defined once with an anchor and reused (or an alias to nothing)."""
    text = BASE_TEXT.replace("phases:\n", "phases: &ph\n", 1)
    ref = "*ph" if alias_ok else "*nothing"
    extra = [f"x-again: {ref}\n", f"rollback_alias: {ref}\n", f"vars: {ref}\n", f"<<: {ref}\n"][where % 4]
    return text + extra


def _duplicate_key(line_no: int, key: str) -> str:
    lines = BASE_TEXT.splitlines(keepends=True)
    top = [i for i, ln in enumerate(lines) if ln and not ln[0].isspace()]
    i = top[line_no % len(top)]
    return "".join(lines[: i + 1]) + lines[i] + "".join(lines[i + 1:]) if key == "same" else \
        "".join(lines) + lines[i]


@st.composite
def raw_edits(draw: st.DrawFn) -> str:
    """Byte-level damage to a valid plan: insert, delete or replace characters anywhere."""
    text = BASE_TEXT
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.one_of(unicode_text, st.sampled_from(
            [":", "- ", "\t", "&a ", "*a", "!!python/object:os.system", "{", "[", "'", '"', "\n  ", "%YAML 1.1\n",
             "---\n", "\x00", "\ufeff", "? ", "|", ">", "!!binary", "<<: *a\n", "!!set {a, b}"])))
        if op == "insert":
            text = text[:pos] + chunk + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk):]
    return text


yaml_inputs = st.one_of(
    st.builds(_dump, mutated_docs(), st.sampled_from(["block", "flow", "json"])),
    st.builds(_billion_laughs, st.integers(1, 12), st.integers(2, 12)),
    st.builds(_with_anchors, st.integers(0, 3), st.booleans()),
    st.builds(_duplicate_key, st.integers(0, 20), st.sampled_from(["same", "later"])),
    raw_edits(),
    st.integers(50, 1_000_000).map(lambda n: "[" * n + "]" * n),
    st.integers(50, 1_000_000).map(lambda n: "phases: " + "{a: " * n + "}" * n),
    st.integers(50, 100_000).map(lambda n: "a:\n" + "".join(" " * i + "- \n" for i in range(1, min(n, 3000)))),
    unicode_text,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def test_the_unmutated_plan_is_valid() -> None:
    for style in ("block", "flow", "json"):
        assert _outcome(_dump(BASE, style)) == "ok"


@pytest.mark.parametrize("depth,width", [(9, 9), (12, 10), (30, 2)])
def test_billion_laughs_is_refused_quickly_with_a_position(depth: int, width: int) -> None:
    text = _billion_laughs(depth, width)
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    assert "expands to more than" in str(err.value) or "nested" in str(err.value), str(err.value)
    assert _outcome(text) == "error"


def test_duplicate_keys_are_an_error_at_the_second_one() -> None:
    text = BASE_TEXT + "service: other\n"
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    line = text.count("\n")
    assert f"plan.yaml:{line}:1: YAML: duplicate key 'service'" in str(err.value), str(err.value)


def test_deep_nesting_is_an_error_not_a_recursion_crash() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, json.dumps(_set(BASE, ("phases", 0, "steps", 0), _nest(800, "dict"))),
                 _block(_set(BASE, ("phases", 0, "steps"), _nest(300, "list")))):
        assert _outcome(text) == "error"


@FUZZ
@given(yaml_inputs)
def test_fuzzed_plan_is_a_plan_or_positioned_errors(text: str) -> None:
    _outcome(text)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(yaml_inputs)
def test_golive_plan_validate_on_fuzzed_files_never_crashes(tmp_path_factory: pytest.TempPathFactory,
                                                            text: str) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / "plan.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    res = cli("plan", "validate", str(path))
    assert res.code in (0, 2), (res.code, res.out[-2000:], res.err[-2000:])
    assert "Traceback" not in res.out + res.err and "internal error" not in res.err
    if res.code == 2:
        issues = [ln for ln in res.err.splitlines() if ln.strip()]
        assert issues and all(re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", ln) for ln in issues), res.err[-2000:]


@pytest.mark.parametrize("text", ["? approvers:\n  r:\n  - a\nname: x\n", "[{? [a, [b]]: 1}]\n",
                                  "? [a, {b: [c]}]\n: 1\n"])
def test_a_mapping_or_list_as_a_key_is_an_error_with_a_position(text: str) -> None:
    """Found by the fuzzer: ruamel raised TypeError (unhashable) on such keys, and golive let it through."""
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    assert re.match(r"plan\.yaml:\d+:\d+: YAML: ", str(err.value)), str(err.value)
    assert _outcome(text) == "error"


@pytest.mark.parametrize("value", ["1" + "0" * 400, ".inf", ".nan", "1e999"])
def test_a_duration_that_is_no_deadline_is_an_error_with_a_position(value: str) -> None:
    """Found by the fuzzer: `wait: 10**400` escaped as OverflowError; `.inf` was accepted as a timeout (no deadline)."""
    text = ("name: x\nservice: s\nenvironment: e\nphases:\n  - name: p\n    steps:\n"
            f"      - wait: {value}\n      - shell: 'true'\n        timeout: {value}\n")
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    assert [i.line for i in err.value.issues] == [7, 9], str(err.value)
    assert all("duration" in i.message for i in err.value.issues), str(err.value)


def test_a_key_with_line_breaks_stays_one_issue_per_line() -> None:
    """Found by the fuzzer: `unknown key '<newline>'` printed over two lines, the second without a position."""
    text = BASE_TEXT + '"a\\nb\\u2028c\\x00": 1\n'
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    assert str(err.value).splitlines() == [f"plan.yaml:{text.count(chr(10))}:1: unknown key 'a\\x0ab\\u2028c\\x00'"]
