"""Fidelity of `golive import`: how many of a runbook's items land where the document means them to.

    .venv/bin/python bench/import_fidelity.py [--corpus tests/import_corpus] [--seeds tests/seeds] [-v]

Each runbook `X.md` (or a seed `NNN_*.txt`) has a hand-written `X.expect.yaml` (seeds:
`tests/import_corpus/seeds/NNN.expect.yaml`) listing what a careful reader finds in it. The importer's
plan is compared item by item; categories: phases, commands, checklist, gates, rollback levels, window,
traffic, success criteria, people. Also counted: commands whose MEANING CHANGED (a script cut where the
expectation keeps it whole, a rollback command in the forward path or back, text run as shell); the goal
for that is zero. Prints placed/total per category and overall, for the corpus and the seeds separately.

Expectation format (all keys optional; `where` is a forward phase name fragment or `L<n>` for a level):
    phases: [name fragment, ...]
    timeboxes: [[phase name fragment, "15m"], ...]   # the phase's timebox (scored as phases)
    commands: [[where, kind, fragment, fragment...], ...]   # every fragment in ONE step of that kind
                                    # (kind `pwsh`: a shell step PowerShell runs, `shell: pwsh`)
    never_run: [fragment, ...]      # text that must not be in any shell/sql/ssh step (python, trees, values)
    checklist: [[where, fragment, done|todo], ...]
    gates: [[where, role-or-null], ...]
    rollback: [[level name fragment, [phase fragments] | all], ...]
    window: {start: ..., end: ..., timezone: ...}
    traffic: [[10, 50, 100], ...]
    criteria: [fragment, ...]
    people: {role fragment: [person, ...]}
    escalation: [[level, name fragment, [person, ...], after seconds | null], ...]   # scored as people
    not_roles: [fragment, ...]      # service-level lines and the like that must not become roles (people)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from golive.errors import GoliveError
from golive.plan.importer import import_file

CATEGORIES = ("phases", "commands", "checklist", "gates", "rollback", "window", "traffic", "criteria", "people")
BASE_FIELDS = {"name", "timeout", "idempotent", "read_only", "continue_on_error", "undo"}
RUNNING = {"shell", "pwsh", "sql", "ssh", "migrate", "backup", "restore", "http", "check"}


@dataclass
class Score:
    placed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    changed: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, cat: str, ok: bool, what: str) -> None:
        self.total[cat] += 1
        if ok:
            self.placed[cat] += 1
        else:
            self.missed.append(f"{cat}: {what}")

    def merge(self, other: Score) -> None:
        for c in CATEGORIES:
            self.placed[c] += other.placed[c]
            self.total[c] += other.total[c]
        self.changed += other.changed
        self.missed += other.missed


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _key(step: dict[str, Any]) -> str:
    return next((k for k in step if k not in BASE_FIELDS), "?")


def _ramps(canaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each canary, and each ramp a Go/No-Go cut in two ("before 100%": a canary held at its split with
    `promote: false`, then the one going on) as the one ramp the document wrote."""
    out: list[dict[str, Any]] = []
    for c in canaries:
        last = out[-1] if out else None
        if last is not None and last.get("promote") is False and (last.get("stable"), last.get("canary")) == (
                c.get("stable"), c.get("canary")):
            out[-1] = {**c, "stages": [*last.get("stages", []), *c.get("stages", [])]}
        else:
            out.append(c)
    return canaries + [r for r in out if r not in canaries]


def _kind(step: dict[str, Any]) -> str:
    key = _key(step)
    spec = step.get(key)
    if key == "shell" and isinstance(spec, dict) and re.search(r"pwsh|powershell", str(spec.get("shell", "")), re.I):
        return "pwsh"
    return key


def _text(step: dict[str, Any]) -> str:
    return _norm(json.dumps(step[_key(step)], ensure_ascii=False) if not isinstance(step[_key(step)], str)
                 else step[_key(step)]).replace("\\n", " ").replace('\\"', '"')


def _containers(plan: dict[str, Any]) -> list[tuple[str, bool, list[dict[str, Any]]]]:
    """(name, is_rollback, steps) for every phase and level; gate checks and criteria checks count too."""
    out: list[tuple[str, bool, list[dict[str, Any]]]] = []
    for p in plan.get("phases", []):
        steps = list(p.get("steps", [])) + list((p.get("gate") or {}).get("checks", []))
        steps += [s["undo"] for s in p.get("steps", []) if isinstance(s, dict) and s.get("undo")]
        out.append((str(p["name"]), False, steps))
    for lv in (plan.get("rollback") or {}).get("levels", []):
        out.append((f"L{lv['level']} {lv['name']}", True, list(lv.get("steps", []))))
    crit = [c["check"] for c in plan.get("success_criteria", []) if isinstance(c, dict) and c.get("check")]
    if crit:
        out.append(("success criteria", False, crit))
    return out


def _match_where(where: str, name: str) -> bool:
    if re.fullmatch(r"L\d+", where):
        return name.split(" ", 1)[0] == where
    return _norm(where) in _norm(name)


def score(plan: dict[str, Any], expect: dict[str, Any], label: str) -> Score:
    s = Score()
    conts = _containers(plan)
    names = [str(p["name"]) for p in plan.get("phases", [])]
    for frag in expect.get("phases") or []:
        s.add("phases", any(_norm(frag) in _norm(n) for n in names), f"{label}: phase '{frag}'")
    for frag, box in expect.get("timeboxes") or []:
        got = next((p.get("timebox") for p in plan.get("phases", []) if _norm(frag) in _norm(str(p["name"]))), None)
        s.add("phases", got is not None and _seconds(got) == _seconds(box), f"{label}: timebox of '{frag}' {box}"
              f" (got {got})")
    for entry in expect.get("commands") or []:
        where, kind, *frags = entry
        nf = [_norm(f) for f in frags]
        ok = any(_match_where(where, cname) and _kind(st) == kind and all(f in _text(st) for f in nf)
                 for cname, _rb, steps in conts for st in steps)
        s.add("commands", ok, f"{label}: {where} {kind} {frags[0]!r}")
        if ok:
            continue
        holders = [(cname, rb, st) for cname, rb, steps in conts for st in steps if any(f in _text(st) for f in nf)]
        want_rb = bool(re.fullmatch(r"L\d+", where))
        if len(frags) > 1 and holders and not any(all(f in _text(st) for f in nf) for _c, _r, st in holders):
            s.changed.append(f"{label}: {frags[0]!r}... is cut into several steps")
        elif any(rb != want_rb and _kind(st) in RUNNING for _c, rb, st in holders):
            s.changed.append(f"{label}: {frags[0]!r} runs in the {'forward path' if want_rb else 'rollback'}")
    for frag in expect.get("never_run") or []:
        for cname, _rb, steps in conts:
            for st in steps:
                if _kind(st) in ("shell", "sql", "ssh") and _norm(frag) in _text(st):
                    s.changed.append(f"{label}: text {frag!r} runs as a {_kind(st)} step in {cname}")
    for where, frag, state in expect.get("checklist") or []:
        ok = any(_match_where(where, cname) and _kind(st) == "manual" and _norm(frag) in _text(st)
                 and bool(isinstance(st["manual"], dict) and st["manual"].get("done")) == (state == "done")
                 for cname, _rb, steps in conts for st in steps)
        s.add("checklist", ok, f"{label}: {where} [{state}] {frag!r}")
    phases = plan.get("phases", [])
    for where, role in expect.get("gates") or []:
        ok = False
        for p in phases:
            gate = p.get("gate")
            if _match_where(where, str(p["name"])) and gate:
                got = (gate.get("approvals") or {}).get("role")
                ok = role is None or (got is not None and _norm(role) in _norm(str(got)))
        s.add("gates", ok, f"{label}: gate of {where!r} (role {role})")
    levels = (plan.get("rollback") or {}).get("levels", [])
    for frag, covers in expect.get("rollback") or []:
        lv = next((lv for lv in levels if _norm(frag) in _norm(str(lv["name"]))), None)
        ok = lv is not None
        if ok and lv is not None:
            got = [str(c) for c in lv.get("covers", [])]
            if covers == "all":
                ok = {_norm(n) for n in names} <= {_norm(c) for c in got} and bool(got)
            else:
                ok = (len(got) == len(covers)
                      and all(any(_norm(c) in _norm(g) for g in got) for c in covers))
        s.add("rollback", ok, f"{label}: level {frag!r} covers {covers}")
    if expect.get("window"):
        w = plan.get("window") or {}
        ok = all(str(w.get(k, "")).startswith(str(v)) for k, v in expect["window"].items())
        s.add("window", ok, f"{label}: window {expect['window']} (got {dict(w)})")
    canaries = _ramps([st["canary"] for _c, _rb, steps in conts for st in steps if _kind(st) == "canary"])
    for weights in expect.get("traffic") or []:
        ok = any([int(x["weight"]) for x in c.get("stages", [])] == list(weights) for c in canaries)
        s.add("traffic", ok, f"{label}: traffic {weights}")
    crits = [_norm(c if isinstance(c, str) else str(c.get("description", ""))) for c in
             plan.get("success_criteria", [])]
    for frag in expect.get("criteria") or []:
        s.add("criteria", any(_norm(frag) in c for c in crits), f"{label}: criterion {frag!r}")
    approvers = {str(k): [str(x) for x in v] for k, v in (plan.get("approvers") or {}).items()}
    for role, people in (expect.get("people") or {}).items():
        got = next((v for k, v in approvers.items() if _norm(role) in _norm(k)), None)
        ok = got is not None and sorted(_norm(p) for p in people) == sorted(_norm(p) for p in got)
        s.add("people", ok, f"{label}: role {role!r} = {people} (got {got})")
    ladder = {int(e["level"]): e for e in (plan.get("contacts") or {}).get("escalation") or []}
    for level, name, people, after in expect.get("escalation") or []:
        e = ladder.get(int(level))
        ok = e is not None and _norm(name) in _norm(str(e["name"])) \
            and sorted(_norm(p) for p in people) == sorted(_norm(str(p)) for p in e.get("people") or []) \
            and (after is None) == ("after" not in e) and (after is None or _seconds(e["after"]) == after)
        s.add("people", ok, f"{label}: escalation level {level} {name!r} {people} after {after} (got {e})")
    for frag in expect.get("not_roles") or []:
        s.add("people", not any(_norm(frag) in _norm(k) for k in approvers), f"{label}: {frag!r} is no role")
    return s


def _seconds(value: Any) -> float:
    from golive.units import parse_duration

    return parse_duration(value)


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def score_file(doc: Path, expect_file: Path) -> Score:
    label = doc.name
    expect = load_yaml(expect_file) or {}
    try:
        result = import_file(doc)
    except GoliveError as exc:
        s = score({}, expect, label)
        s.missed.insert(0, f"{label}: import failed: {exc}")
        return s
    plan = YAML(typ="safe").load(result.yaml_text)
    return score(plan, expect, label)


def pairs(corpus: Path, seeds: Path | None) -> tuple[list[tuple[Path, Path]], list[tuple[Path, Path]]]:
    docs = [(md, md.with_suffix(".expect.yaml")) for md in sorted(corpus.glob("*.md"))]
    seed_pairs: list[tuple[Path, Path]] = []
    if seeds is not None:
        for exp in sorted((corpus / "seeds").glob("*.expect.yaml")):
            prefix = exp.name.split(".")[0]
            found = sorted(seeds.glob(f"{prefix}_*.txt"))
            if found:
                seed_pairs.append((found[0], exp))
    return docs, seed_pairs


def report(title: str, s: Score, verbose: bool) -> str:
    lines = [title]
    for c in CATEGORIES:
        if s.total[c]:
            lines.append(f"  {c:<16} {s.placed[c]:>4}/{s.total[c]:<4} {100 * s.placed[c] / s.total[c]:5.1f}%")
    placed, total = sum(s.placed.values()), sum(s.total.values())
    lines.append(f"  {'overall':<16} {placed:>4}/{total:<4} {100 * placed / max(total, 1):5.1f}%")
    lines.append(f"  commands whose meaning changed: {len(s.changed)}")
    if verbose:
        lines += [f"    changed: {c}" for c in s.changed] + [f"    missed: {m}" for m in s.missed]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parent.parent
    ap.add_argument("--corpus", type=Path, default=root / "tests" / "import_corpus")
    ap.add_argument("--seeds", type=Path, default=root / "tests" / "seeds")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    docs, seed_pairs = pairs(args.corpus, args.seeds)
    for title, group in ((f"corpus ({len(docs)} runbooks)", docs), (f"seeds ({len(seed_pairs)})", seed_pairs)):
        total = Score()
        for doc, exp in group:
            total.merge(score_file(doc, exp))
        print(report(title, total, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
