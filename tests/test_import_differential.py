"""Imported steps do what the document's block does.

Shell: every shell block of the corpus, and hypothesis-generated scripts (cd, export, assignments, if, for,
functions, heredocs, comments between them), run once by bash as the block, and once as the imported steps
(each through the real `shell` step, in order, with the plan vars the import declared), each in its own
sandbox directory: the files left behind and the output must be the same. Programs outside a small safe set
are stubs that print their arguments, so nothing here touches the machine.

SQL: every imported sql step is exactly one complete statement of its block, or exactly the statements between
one of its BEGIN ... COMMIT (a transaction is one step); the steps run one by one by the real `sql` step on
PostgreSQL, stopping at the first failure as a run does, leave the same tables and rows as `psql -v
ON_ERROR_STOP=1 -f` of the block, also when a statement inside a transaction fails (nothing of it stays).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.core.clock import SystemClock
from golive.core.step import StepContext
from golive.masking import Masker
from golive.plan.importer.state import ImportState
from golive.plan.md_blocks import parse_blocks
from golive.plan.md_commands import shell_commands
from golive.plan.md_shell import is_tsql, looks_like_commands, parse, simple_commands
from golive.plan.md_sql import outside_transaction, psql_command, sql_statements
from golive.plan.shellcheck import sql_problems
from golive.steps.registry import AnyStep  # noqa: F401 - resolves forward references
from golive.steps.shell import ShellStep
from golive.steps.sql import SqlStep

CORPUS = Path(__file__).parent / "import_corpus"
SAFE = {"echo", "printf", "cat", "mkdir", "touch", "wc", "ls", "head", "tail", "tr", "sort", "grep", "sed", "awk",
        "cut", "true", "false", "test", "[", "basename", "dirname", "env", "tee", "seq"}
BUILTINS = {"cd", "export", "set", "local", "declare", "readonly", "unset", "shift", "return", "exit", "eval",
            "source", ".", "read", "if", "for", "while", "function", "trap", "pushd", "popd", "shopt", ":"}
SERVER = "postgresql://postgres@127.0.0.1:5432"


def corpus_blocks(langs: set[str]) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for md in sorted(CORPUS.glob("*.md")):
        for b in parse_blocks(md.read_text(encoding="utf-8")):
            if b.kind == "fence" and (b.info in langs or (not b.info and "bash" in langs
                                                          and looks_like_commands(b.text))):
                out.append((md.name, b.line, b.text))
    return out


def stub_dir(root: Path, scripts: list[str]) -> Path:
    """Stubs for every program the scripts run that is not in SAFE: they print their name and arguments."""
    bin_dir = root / "stub-bin"
    bin_dir.mkdir(exist_ok=True)
    for text in scripts:
        wrappers = [[w] for w in re.findall(r"(?m)(?:^|[;&|({]\s*)(sudo|doas|nohup|timeout|nice|stdbuf)\b", text)]
        for argv in simple_commands(parse(text)) + wrappers:
            prog = argv[0]
            if prog in SAFE or prog in BUILTINS or "$" in prog or "=" in prog:
                continue
            name = prog.rsplit("/", 1)[-1]
            target = bin_dir / name
            if not target.exists():
                target.write_text(f'#!/bin/sh\necho "[{name}] $*"\n', encoding="utf-8")
                target.chmod(0o755)
    return bin_dir


def sandbox_env(bin_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(bin_dir.parent), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def relative_programs(sandbox: Path, scripts: list[str], bin_dir: Path) -> None:
    """`./scripts/x.sh` in a block: the same stub, at that path in the sandbox."""
    for text in scripts:
        for argv in simple_commands(parse(text)):
            prog = argv[0]
            if prog.startswith("./") and "$" not in prog:
                path = sandbox / prog
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(bin_dir / prog.rsplit("/", 1)[-1], path)


def snapshot(sandbox: Path) -> dict[str, str]:
    return {str(p.relative_to(sandbox)): (p.read_text(encoding="utf-8", errors="replace") if p.is_file() else "<dir>")
            for p in sorted(sandbox.rglob("*")) if not p.is_symlink()}


def run_as_bash(text: str, sandbox: Path, env: dict[str, str]) -> str:
    res = subprocess.run(["/bin/bash", "-c", text], cwd=sandbox, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=60, check=False)
    return res.stdout


def run_as_steps(steps: list[dict[str, Any]], plan_vars: dict[str, str], sandbox: Path,
                 env: dict[str, str]) -> str:
    """The imported steps through the real `shell` step, in order; the run stops at the first failure."""
    out: list[str] = []
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        for i, spec in enumerate(steps, 1):
            step = ShellStep.model_validate({"shell": {**spec, "options": []}})
            ctx = StepContext("diff", f"1.{i}", dict(plan_vars), Masker(), SystemClock(), sandbox)
            res = step.execute(ctx)
            out.append(_stdout(res.output))
            if res.status != "succeeded":
                break
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return "".join(out)


def _stdout(output: str) -> str:
    return output


def sandboxes(tmp: Path) -> tuple[Path, Path]:
    """Two empty sandboxes, one for bash and one for the steps: same name and length, so `$PWD` prints alike."""
    a, b = tmp / "a" / "box", tmp / "b" / "box"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    return a, b


def same_as_bash(bash_text: str, steps: list[dict[str, Any]], plan_vars: dict[str, str],
                 boxes: tuple[Path, Path], env: dict[str, str]) -> None:
    """bash runs `bash_text` in the first sandbox, the steps run in the second: the output and the files left must
    be the same."""
    a, b = boxes
    expected = run_as_bash(bash_text, a, env)
    got = run_as_steps(steps, plan_vars, b, env)

    # bash names the line of an error within what it was given: a step starts later in the block
    def norm(out: str, box: Path) -> str:
        return re.sub(r"line \d+: ", "line N: ", out.replace(str(box), "<sandbox>"))

    assert norm(got, b) == norm(expected, a), (bash_text, steps)
    assert snapshot(a) == snapshot(b), (bash_text, steps)


def compare(text: str, tmp: Path, lift: bool = True) -> None:
    block = shell_commands(text, 1, lift_exports=lift)
    kinds = {c.kind for c in block.commands}
    assert kinds <= {"shell", "manual"}, f"not all shell: {kinds}"  # the callers pick such blocks
    steps = [c.spec for c in block.commands if c.kind == "shell"]
    # lifted exports: the plan vars every step sees (a `$SOURCE` value is read from the environment)
    source_env = {m: f"value-of-{m}" for m in re.findall(r"\$\{?([A-Za-z_]\w*)", text)}
    plan_vars = {}
    for _line, name, value in block.exports:
        m = re.fullmatch(r"\$\{?(\w+)\}?", value)
        plan_vars[name] = source_env.get(m.group(1), "") if m else value
    a, b = sandboxes(tmp)
    bin_dir = stub_dir(tmp, [text])
    for box in (a, b):
        relative_programs(box, [text], bin_dir)
    env = sandbox_env(bin_dir, source_env)
    # a command that never ends is left out on purpose (and reported): bash runs the block without it
    gone = {line - 1 for line, _t in block.dropped}
    # bash reads the sandbox; the steps' shell needs only PATH/HOME: same env, the vars on top
    same_as_bash("\n".join(ln for i, ln in enumerate(text.split("\n")) if i not in gone), steps, plan_vars,
                 (a, b), env)


SHELL_BLOCKS = [(n, line, t) for n, line, t in corpus_blocks({"bash", "sh", "shell"})
                if {c.kind for c in shell_commands(t, 1).commands} <= {"shell", "manual"}]


def test_the_corpus_has_shell_blocks_to_compare() -> None:
    assert len(SHELL_BLOCKS) >= 30, len(SHELL_BLOCKS)


@pytest.mark.parametrize(("name", "line", "text"), SHELL_BLOCKS, ids=[f"{n}:{li}" for n, li, _ in SHELL_BLOCKS])
def test_corpus_shell_block_imported_does_what_bash_does(name: str, line: int, text: str, tmp_path: Path) -> None:
    compare(text, tmp_path)


def test_a_script_cut_line_by_line_would_be_caught(tmp_path: Path) -> None:
    """The comparison itself is sharp: running a stateful block line by line gives a different result."""
    text = "cd sub 2>/dev/null || mkdir sub && cd sub\nX=1\necho \"$X\" > out\n"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    env = sandbox_env(stub_dir(tmp_path, [text]), {})
    run_as_bash(text, a, env)
    run_as_steps([{"command": ln} for ln in text.splitlines()], {}, b, env)
    assert snapshot(a) != snapshot(b)


# -- hypothesis: scripts with state crossing lines -----------------------------------------------------

NAMES = st.sampled_from(["A", "B", "REL", "DIR_NAME"])
WORDS = st.sampled_from(["alpha", "beta", "one two", "x-1", "v2.0"])


@st.composite
def fragment(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["cd", "export", "assign", "if", "for", "func", "heredoc", "echo", "file"]))
    n, w = draw(NAMES), draw(WORDS)
    if kind == "cd":
        d = draw(st.sampled_from(["d1", "d2", "d1/inner"]))
        return f"mkdir -p {d} && cd {d}"
    if kind == "export":
        return f"export {n}='{w}'"
    if kind == "assign":
        return f"{n}='{w}'"
    if kind == "if":
        return f'if [ -n "${{{n}:-}}" ]; then\n  echo "{n} is set: ${n}"\nelse\n  echo "{n} unset"\nfi'
    if kind == "for":
        return f'for i in 1 2 3; do\n  echo "$i {w}" >> loop.txt\ndone'
    if kind == "func":
        return f'say() {{\n  echo "say: $1 ${{{n}:-none}}"\n}}\nsay "{w}"'
    if kind == "heredoc":
        return f'cat > note-{n}.txt <<EOF\n{w} ${{{n}:-none}} $(pwd | wc -c)\nEOF'
    if kind == "file":
        return f'echo "{w}" > "f-${{{n}:-x}}.txt"'
    return f'echo "{w} ${{{n}:-}} $(basename "$PWD")"; type say >/dev/null 2>&1 && say again || true'


@st.composite
def script(draw: st.DrawFn) -> str:
    parts = draw(st.lists(fragment(), min_size=1, max_size=7))
    out: list[str] = []
    for i, p in enumerate(parts):
        if draw(st.booleans()):
            out.append(f"# part {i}")
        out.append(p)
        if draw(st.booleans()):
            out.append("")
    return "\n".join(out) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(text=script(), lift=st.booleans())
def test_generated_scripts_imported_do_what_bash_does(text: str, lift: bool, tmp_path_factory: Any) -> None:
    compare(text, tmp_path_factory.mktemp("gen"), lift)


# -- SQL on PostgreSQL ------------------------------------------------------------------------------

SETUP = """
CREATE TABLE sessions (id serial PRIMARY KEY, user_id integer, expires_at timestamptz);
INSERT INTO sessions (user_id, expires_at) VALUES (1, now() - interval '1 day'), (2, now() + interval '1 day'),
  (3, now() - interval '2 days');
CREATE TABLE maintenance_log (note text, at timestamptz);
CREATE TABLE ledger_entries (id serial PRIMARY KEY, amount numeric);
INSERT INTO ledger_entries (amount) VALUES (10), (20);
CREATE TABLE accounts (id serial PRIMARY KEY); CREATE TABLE loans (id serial PRIMARY KEY);
CREATE TABLE transactions (id serial PRIMARY KEY);
CREATE TABLE orders (id serial PRIMARY KEY, note text);
INSERT INTO orders (note) VALUES (NULL), ('us');
"""


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    try:
        admin = psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 (trust, db test) is needed for this test: {exc}")
    names = [f"imp_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with admin:
        for n in names:
            admin.execute(f"CREATE DATABASE {n}")
        try:
            for n in names:
                with psycopg.connect(f"{SERVER}/{n}", autocommit=True) as conn:
                    conn.execute(SETUP)
            yield f"{SERVER}/{names[0]}", f"{SERVER}/{names[1]}"
        finally:
            for n in names:
                admin.execute(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)")


def db_state(url: str) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        cols = conn.execute("SELECT table_name, column_name, data_type FROM information_schema.columns"
                            " WHERE table_schema = 'public' ORDER BY 1, 2").fetchall()
        idx = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
                           ).fetchall()
        rows = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()
                for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
    # `now()` differs between the two runs: compare timestamps by presence, not value
    clean = {t: [tuple("<time>" if hasattr(v, "tzinfo") else v for v in r) for r in rs] for t, rs in rows.items()}
    return {"columns": cols, "indexes": idx, "rows": clean}


def _golive_runs(name: str, text: str) -> bool:
    """Whether the importer makes sql steps of this block: never of T-SQL, nor of a MySQL or SQL Server document's
    SQL (those become manual steps showing the whole text, which no database here runs as written)."""
    state = ImportState((CORPUS / name).read_text(encoding="utf-8"), name)
    return not (state.mysql_only or state.mssql_only or is_tsql(text))


SQL_BLOCKS = [b for b in corpus_blocks({"sql"}) if _golive_runs(b[0], b[2])]
SQL_DOCS = sorted({n for n, _line, _t in SQL_BLOCKS})


def test_the_corpus_has_sql_blocks() -> None:
    assert len(SQL_BLOCKS) >= 5
    assert any(re.search(r"(?m)^BEGIN;$", t) and re.search(r"(?m)^COMMIT;$", t) for _n, _l, t in SQL_BLOCKS)


def _flat(text: str) -> str:
    return " ".join(text.split())


def source_units(text: str) -> list[list[str]]:
    """What the block runs as units of commit, read from sqlparse's pieces here (not the importer's code): a
    statement outside a transaction alone, the statements between BEGIN/START TRANSACTION and COMMIT/END
    together. Comment lines are not part of a statement."""
    import sqlparse

    units: list[list[str]] = []
    open_tx: list[str] | None = None
    for piece in sqlparse.split(text, strip_semicolon=False):
        body = _flat("\n".join(ln for ln in piece.split("\n") if not ln.strip().startswith("--")))
        if not body:
            continue
        word = body.split()[0].upper().rstrip(";")
        if word in ("BEGIN", "START"):
            open_tx = []
        elif word in ("COMMIT", "END") and open_tx is not None:
            units.append(open_tx)
            open_tx = None
        elif open_tx is not None:
            open_tx.append(body)
        else:
            units.append([body])
    return units


def step_units(query: str) -> list[str]:
    import sqlparse

    return [_flat("\n".join(ln for ln in p.split("\n") if not ln.strip().startswith("--")))
            for p in sqlparse.split(query, strip_semicolon=False) if p.strip()]


def imported_steps(text: str, stepwise: str, tmp_path: Path) -> list[tuple[Any, str]]:
    """The block's imported commands that run, as the steps the importer makes (sql, or psql for what cannot run
    in a transaction), each checked against the source: one statement, or one whole transaction of it."""
    block = sql_statements(text, 1)
    units = source_units(text)
    out: list[tuple[Any, str]] = []
    for c in block.commands:
        if c.kind == "manual":  # a person's (a rehearsal ending in ROLLBACK, a comment): nothing runs
            continue
        assert c.kind == "sql"
        q = c.spec["query"]
        assert sql_problems(q) == [], q  # every statement complete
        assert step_units(q) in units, (q, units)  # exactly one statement, or exactly one transaction, of the source
        step: Any = (ShellStep.model_validate({"shell": {"command": psql_command(q), "options": []}})
                     if outside_transaction(q) else
                     SqlStep.model_validate({"sql": {"database": "${DATABASE_URL}", "query": q}}))
        out.append((step, q))
    return out


def run_steps(steps: list[tuple[Any, str]], url: str, tmp_path: Path) -> str | None:
    """The steps in order, as a run does: it stops at the first that fails (returns its message)."""
    for i, (step, _q) in enumerate(steps, 1):
        ctx = StepContext("diff", f"1.{i}", {"DATABASE_URL": url}, Masker(), SystemClock(), tmp_path)
        result = step.execute(ctx)
        if result.status != "succeeded":
            return result.message + result.output
    return None


def psql_file(url: str, text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "block.sql"
    script.write_text(text, encoding="utf-8")
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(script)],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("name", SQL_DOCS)
def test_corpus_sql_imported_is_whole_statements_and_same_state(name: str, databases: tuple[str, str],
                                                                 tmp_path: Path) -> None:
    """The document's SQL blocks in order (a rollback block drops what a forward block added): `psql -f` of
    each block on one database, the imported steps one by one on the other, as the importer makes them."""
    whole, stepwise = databases
    for _n, _line, text in [b for b in SQL_BLOCKS if b[0] == name]:
        steps = imported_steps(text, stepwise, tmp_path)
        res = psql_file(whole, text, tmp_path)
        assert res.returncode == 0, res.stderr
        failed = run_steps(steps, stepwise, tmp_path)
        assert failed is None, failed
    assert db_state(whole) == db_state(stepwise)


FAILING_TX = """-- Region column and backfill
BEGIN;
ALTER TABLE orders ADD COLUMN region text;
UPDATE orders SET region = 'eu' WHERE region IS NULL;
INSERT INTO maintenance_log (note, at) VALUES ('region added', now());
UPDATE orders SET no_such_column = 1;
COMMIT;
"""


def test_a_failing_statement_inside_a_transaction_leaves_what_psql_leaves(databases: tuple[str, str],
                                                                          tmp_path: Path) -> None:
    """psql with ON_ERROR_STOP=1 stops at the failing UPDATE and the open transaction goes with the session:
    nothing of it stays. The imported step fails and commits nothing either. Cut one step per statement (what
    the importer did), the ALTER, the first UPDATE and the INSERT would stay committed: that is caught here."""
    whole, stepwise = databases
    before = db_state(whole)
    steps = imported_steps(FAILING_TX, stepwise, tmp_path)
    assert len(steps) == 1
    res = psql_file(whole, FAILING_TX, tmp_path)
    assert res.returncode != 0 and "no_such_column" in res.stderr
    failed = run_steps(steps, stepwise, tmp_path)
    assert failed is not None and "no_such_column" in failed
    assert db_state(whole) == db_state(stepwise) == before
    cut = [(SqlStep.model_validate({"sql": {"database": "${DATABASE_URL}", "query": u[0]}}), u[0])
           for u in [[s] for s in source_units(FAILING_TX)[0]]]
    assert run_steps(cut, stepwise, tmp_path) is not None
    assert db_state(stepwise) != before  # the per-statement reading changes the database: the check sees it


def test_a_committed_transaction_with_statements_around_it(databases: tuple[str, str], tmp_path: Path) -> None:
    text = ("SELECT count(*) FROM orders;\n" + FAILING_TX.replace("UPDATE orders SET no_such_column = 1;\n", "")
            + "-- Planner statistics\nANALYZE orders;\nUPDATE orders SET note = region WHERE note IS NULL;\n")
    whole, stepwise = databases
    steps = imported_steps(text, stepwise, tmp_path)
    assert [len(step_units(q)) for _s, q in steps] == [1, 3, 1, 1]
    res = psql_file(whole, text, tmp_path)
    assert res.returncode == 0, res.stderr
    assert run_steps(steps, stepwise, tmp_path) is None
    assert db_state(whole) == db_state(stepwise)
    assert db_state(stepwise)["rows"]["orders"] == [(1, "eu", "eu"), (2, "us", "eu")]


def test_a_statement_cut_at_a_line_end_would_be_caught() -> None:
    """`DELETE FROM sessions` / `WHERE ...;` cut at the line end is two steps, neither a complete statement
    of the meaning: sql_problems names the second, and the first deletes every row."""
    assert sql_problems("WHERE expires_at < now();")
    assert [c.spec["query"] for c in sql_statements("DELETE FROM sessions\nWHERE expires_at < now();\n", 1)
            .commands] == ["DELETE FROM sessions\nWHERE expires_at < now();"]
