"""Shell state across a document's blocks, run: the imported plan does what one shell typing the blocks does.

Documents are generated (hypothesis) with several forward phases, an undo block after a forward block ("To undo it,
run:") and a rollback section with levels; the blocks set state (cd, pushd, export, assignments, a value worked out
by a command, a function defined in one block and called in another, state set on one branch of an `if`, an
`exec 3>>` redirection, an ERR trap) and use it. Each scenario runs twice, each in its own sandbox:
- bash, ONE process, given the document's blocks in the order a person types them;
- the imported steps, each through the real `shell` step (its own bash), in the order the run takes them.
The files left and the output must be the same. One known limit is left out (`assume`), and the import says it in
its summary: a directory-dependent saying between a `cd` on a branch and a later `cd` of the same block.
The scenarios, per the rule the importer follows (a way back sees the state in force where its text stands):
- forward: every forward block / every forward step;
- undo of block k: forward blocks 1..k, then the undo block / forward steps up to block k's, then its undo;
- level j: the forward blocks written above the rollback section (which stands anywhere: first, between phases,
  last), the section's own state-only block above its levels, then level j's blocks / the same forward steps, then
  level j's steps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from test_import_differential import same_as_bash, sandbox_env, sandboxes, stub_dir

NAMES = st.sampled_from(["A", "B", "PREV"])
WORDS = st.sampled_from(["alpha", "one two", "v2.0"])


@st.composite
def fragment(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["cd", "pushd", "export", "assign", "worked", "func", "call", "branch", "exec",
                                 "fd", "trap", "fail", "file", "echo"]))
    n, w = draw(NAMES), draw(WORDS)
    if kind == "cd":
        d = draw(st.sampled_from(["d1", "d2", "d1/inner"]))
        return f"mkdir -p {d} && cd {d}"
    if kind == "pushd":
        return "mkdir -p p1 && pushd p1 >/dev/null"
    if kind == "export":
        return f"export {n}='{w}'"
    if kind == "assign":
        return f"{n}='{w}'"
    if kind == "worked":  # the count of files here: said again later, it would count the files made since
        return f"{n}=$(ls | wc -l | tr -d ' ')"
    if kind == "func":
        return f'say() {{\n  echo "say: $1 ${{{n}:-none}}"\n}}'
    if kind == "call":
        return f'type say >/dev/null 2>&1 && say "{w}" || echo "no say"'
    if kind == "branch":
        return f'if [ -d d1 ]; then\n  cd d1\n  {n}="in d1"\nfi'
    if kind == "exec":
        return "exec 3>>audit.log"
    if kind == "fd":
        return f'{{ echo "{w}" >&3; }} 2>/dev/null || echo "no fd 3"'
    if kind == "trap":
        return "trap 'echo \"trapped at $(basename \"$PWD\")\"' ERR"
    if kind == "fail":
        return "false\necho after-false"
    if kind == "file":
        return f'echo "{w} ${{{n}:-}}" > "f-${{{n}:-x}}.txt"'
    return f'echo "{w} ${{{n}:-}} $(basename "$PWD")"'


@st.composite
def block(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(fragment(), min_size=1, max_size=4)))


USE = 'echo "way back: ${A:-} ${B:-} ${PREV:-} $(basename "$PWD")" >> back.log\ntype say >/dev/null 2>&1 && say back'


@st.composite
def document(draw: st.DrawFn) -> dict[str, Any]:
    forward = draw(st.lists(block(), min_size=1, max_size=4))
    undo_at = draw(st.integers(0, len(forward) - 1))
    levels = draw(st.lists(block(), min_size=1, max_size=2))
    back_at = draw(st.integers(0, len(forward)))  # the rollback section stands after this many forward phases
    # the section's own block above its levels that only sets state ("All of this from the app's shell:")
    preamble = draw(st.lists(st.sampled_from(["export A='from the rollback section'", "B=set-above-levels",
                                              'say() {\n  echo "rollback say: $1"\n}', "exec 3>>audit.log"]),
                             max_size=2, unique=True))
    return {"forward": forward, "undo_at": undo_at, "levels": [lv + "\n" + USE for lv in levels],
            "back_at": back_at, "preamble": "\n".join(preamble)}


def markdown(doc: dict[str, Any]) -> str:
    out = ["# Release the catalogue", ""]
    back = ["## Rollback", ""]
    if doc["preamble"]:
        back += ["```bash", doc["preamble"], "```", ""]
    for j, text in enumerate(doc["levels"], 1):
        back += [f"### Level {j}: Back {j}", "```bash", text, "```", ""]
    for i, text in enumerate(doc["forward"], 1):
        if i - 1 == doc["back_at"]:
            out += back
        out += [f"## Phase {i}: Step {i} (5 min)", "```bash", text, "```", ""]
        if i - 1 == doc["undo_at"]:
            out += ["To undo it, run:", "```bash", USE, "```", ""]
    if doc["back_at"] == len(doc["forward"]):
        out += back
    return "\n".join(out)


def _command(spec: Any) -> dict[str, Any]:
    shell = spec["shell"]
    return {"command": shell} if isinstance(shell, str) else {"command": shell["command"]}


def _forward_steps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for ph in plan["phases"] for s in ph["steps"]]


def run_both(bash_text: str, steps: list[dict[str, Any]], plan_vars: dict[str, str], tmp: Path) -> None:
    boxes = sandboxes(tmp)
    bin_dir = stub_dir(tmp, [bash_text])
    state = tmp / "state"
    state.mkdir()
    same_as_bash(bash_text, steps, plan_vars, boxes, sandbox_env(bin_dir, {"TMPDIR": str(state)}))


def scenarios(doc: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]], dict[str, str]]]:
    """(name, what bash runs, the imported steps in run order, the plan's vars) for each scenario."""
    assume(not all(re.fullmatch(r"export \w+='[^']*'", b) for b in doc["forward"]))  # no step at all: refused
    res = import_markdown(markdown(doc), "doc.md")
    # the one known limit, said in the summary: a directory-dependent saying (`exec 3>>log`) after a `cd` on a
    # branch and before another `cd` of the same block runs, said again, in the directory before that branch
    assume(not any("known only when the block runs" in line for line in res.summary))
    imported = res.yaml_text
    parse_plan_text(imported, "doc.yaml")  # a valid plan
    plan = yaml.safe_load(imported)
    plan_vars = {k: str(v.get("value", "")) for k, v in (plan.get("vars") or {}).items()}
    forward = _forward_steps(plan)
    assert all("shell" in s for s in forward), forward
    out = [("forward", "\n".join(doc["forward"]), [_command(s) for s in forward], plan_vars)]
    k = doc["undo_at"]
    with_undo = [i for i, s in enumerate(forward) if "undo" in s]
    assert len(with_undo) <= 1, forward
    if with_undo:  # (a block of `export`s only is plan vars, no step: its undo has no step to undo)
        upto = forward[:with_undo[0] + 1]
        out.append(("undo", "\n".join([*doc["forward"][:k + 1], USE]),
                    [_command(s) for s in upto] + [_command(upto[-1]["undo"])], plan_vars))
    # the document's levels, by name (an undo block with no step to undo is a level of its own, "Rollback of ...")
    levels = [lv for lv in plan["rollback"]["levels"] if lv["name"].startswith("Back ")]
    assert len(levels) == len(doc["levels"]), plan["rollback"]
    # (a phase of `export`s only is plan vars and no phase: the phases are found by their names)
    above = [s for ph in plan["phases"] if int(ph["name"].split()[1].rstrip(":")) <= doc["back_at"]
             for s in ph["steps"]]
    for j, (lv, text) in enumerate(zip(levels, doc["levels"], strict=True), 1):
        out.append((f"level {j}", "\n".join([*doc["forward"][:doc["back_at"]], doc["preamble"], text]),
                    [_command(s) for s in above] + [_command(s) for s in lv["steps"]], plan_vars))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(doc=document())
def test_imported_document_does_what_one_shell_does(doc: dict[str, Any], tmp_path_factory: Any) -> None:
    for name, text, steps, plan_vars in scenarios(doc):
        run_both(text, steps, plan_vars, tmp_path_factory.mktemp(name.replace(" ", "")))
