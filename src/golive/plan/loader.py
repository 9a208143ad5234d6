"""Load a plan from YAML, keeping positions so every error reads `file:line:col: path: message`.

All errors of a file are reported at once. Nothing here raises anything but PlanError.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from golive.core.lazyunion import LazyType
from golive.errors import PlanError, PlanIssue
from golive.masking import safe
from golive.plan.level_chains import leads_back
from golive.plan.model import Plan
from golive.steps.registry import KINDS, kind_class

MAX_BYTES = 2 * 1024 * 1024
#: Aliases can make a small file expand exponentially ("billion laughs"); refuse before validating.
MAX_NODES = 100_000
#: The YAML scanner is quadratic in `[`/`{` nesting; no plan nests anywhere near this deep.
MAX_FLOW_DEPTH = 64
#: Block and flow nesting together. A real plan nests about ten levels; the composers (C and Python) recurse
#: once per level and overflow their stack (SIGSEGV, RecursionError) on a few thousand `- - - -`.
MAX_DEPTH = 64

Loc = tuple[int | str, ...]


def read_source(path: str | Path, what: str = "plan", encoding: str = "utf-8") -> str:
    """A plan or a document as text, or a PlanError that points at the problem (the bad byte's line and column)."""
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PlanError([PlanIssue(name, 1, 1, "", f"cannot read {what}: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_BYTES:
        raise PlanError([PlanIssue(name, 1, 1, "", f"{what} is {len(raw)} bytes; the limit is {MAX_BYTES}")])
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PlanError([PlanIssue(name, line, col, "", f"{what} is not valid UTF-8")]) from None


def load_plan(path: str | Path) -> Plan:
    return parse_plan_text(read_source(path), str(path))


def parse_plan_text(text: str, filename: str = "<plan>") -> Plan:
    # Before any parser sees it: the C loader of the fast path overflows its stack (SIGSEGV) on a couple of
    # hundred KB of `[`, and the positional one takes seconds long before it gets that deep.
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH:
        _refuse_too_deep(text, filename)
    _check_bounds(text, filename)
    plan = _fast_path(text)
    if plan is not None:
        return plan
    # Something is wrong (or unusual): parse again keeping positions, to say exactly where.
    tree = _parse_yaml(text, filename)
    if not isinstance(tree, CommentedMap):
        kind = "an empty file" if tree is None else _describe_input(tree)
        raise PlanError([PlanIssue(filename, 1, 1, "", f"a plan is a mapping of keys (found {kind})")])
    size = _expanded_size(tree, {}, 0)
    if size > MAX_NODES:
        raise PlanError([PlanIssue(filename, 1, 1, "", f"plan expands to more than {MAX_NODES} nodes"
                                   " (aliases nested too deep?)")])
    try:
        plan = Plan.model_validate(tree)
    except ValidationError as exc:
        raise PlanError(_issues_from_validation(exc, tree, filename)) from None
    issues = [_issue(filename, tree, loc, msg, at_key) for loc, msg, at_key in semantic_problems(plan)]
    if issues:
        raise PlanError(issues)
    return plan


def _check_bounds(text: str, filename: str) -> None:
    """Nesting depth and node count from the parser's events, before anything composes a tree: the event parser
    keeps its own stack (no recursion) and stops at the first node past a limit, which is where we point."""
    depth = nodes = 0
    try:
        for ev in YAML(typ="safe", pure=False).parse(text):
            if isinstance(ev, CollectionStartEvent):
                depth += 1
                nodes += 1
                if depth > MAX_DEPTH:
                    raise PlanError([PlanIssue(filename, ev.start_mark.line + 1, ev.start_mark.column + 1, "",
                                               f"nested more than {MAX_DEPTH} levels deep")])
            elif isinstance(ev, CollectionEndEvent):
                depth -= 1
            elif isinstance(ev, ScalarEvent | AliasEvent):
                nodes += 1
            if nodes > MAX_NODES:
                raise PlanError([PlanIssue(filename, ev.start_mark.line + 1, ev.start_mark.column + 1, "",
                                           f"more than {MAX_NODES} values (keys, items, scalars) in one plan")])
    except (YAMLError, ValueError, TypeError):
        return  # malformed YAML: the positional parser reports it, with its place


def _refuse_too_deep(text: str, filename: str) -> None:
    """A plan error at the first `[`/`{` nested past MAX_FLOW_DEPTH, if any: no YAML parser gets such a text."""
    deep = _too_deep(text)
    if deep is not None:
        raise PlanError([PlanIssue(filename, deep[0], deep[1], "",
                                   f"YAML nested more than {MAX_FLOW_DEPTH} levels deep")])


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where `[`/`{` nesting first exceeds MAX_FLOW_DEPTH (quotes and comments skipped), if it does."""
    depth = 0
    for ln, line in enumerate(text.splitlines(), 1):
        quote = ""
        for col, ch in enumerate(line, 1):
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (col == 1 or line[col - 2] in " \t"):
                break
            elif ch in "[{":
                depth += 1
                if depth > MAX_FLOW_DEPTH:
                    return ln, col
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return None


def _fast_path(text: str) -> Plan | None:
    """The common case, a valid plan, through the C-backed safe loader (10x faster than round-trip).
    Returns None whenever anything needs reporting; the positional path then finds and words it."""
    try:
        data = YAML(typ="safe", pure=False).load(text)
    except (YAMLError, RecursionError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or _expanded_size(data, {}, 0) > MAX_NODES:
        return None
    try:
        plan = Plan.model_validate(data)
    except ValidationError:
        return None
    return None if semantic_problems(plan) else plan


def _parse_yaml(text: str, filename: str) -> Any:
    _refuse_too_deep(text, filename)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            problem = "duplicate key " + _dup_key_name(str(exc))
        raise PlanError([PlanIssue(filename, line, col, "", f"YAML: {problem}")]) from None
    except YAMLError as exc:
        raise PlanError([PlanIssue(filename, 1, 1, "", f"YAML: {str(exc).splitlines()[0]}")]) from None
    except RecursionError:
        raise PlanError([PlanIssue(filename, 1, 1, "", "YAML nested too deeply")]) from None
    except TypeError:  # ruamel hashes a `? {...}` / `? [...]` key holding a list, and fails doing so
        line, col = _complex_key(text)
        raise PlanError([PlanIssue(filename, line, col, "", "YAML: a key must be a plain value, not a mapping"
                                   " or a list")]) from None


def _complex_key(text: str) -> tuple[int, int]:
    """Where the first explicit `? ` key is (1:1 if none is found)."""
    import re

    for ln, line in enumerate(text.splitlines(), 1):
        m = re.search(r"(?:^|[\s{,\[])(\?)(?:\s|$)", line)
        if m:
            return ln, m.start(1) + 1
    return 1, 1


def _dup_key_name(text: str) -> str:
    import re

    m = re.search(r'found duplicate key "([^"]*)"', text)
    return f"'{m.group(1)}'" if m else ""


def _expanded_size(node: Any, memo: dict[int, int], depth: int) -> int:
    if depth > 200:
        return MAX_NODES + 1
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, dict):
        size = 1 + sum(_expanded_size(v, memo, depth + 1) for v in node.values())
    elif isinstance(node, list):
        size = 1 + sum(_expanded_size(v, memo, depth + 1) for v in node)
    else:
        size = 1
    memo[key] = size
    return size


# -- positions ----------------------------------------------------------------------------------

def _position(tree: Any, loc: Loc, at_key: bool) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node of `loc` that exists in the YAML tree."""
    node = tree
    line, col = 1, 1
    segs = [s for s in loc if not (isinstance(s, str) and s.startswith("<"))]
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if isinstance(node, CommentedMap) and seg in node:
            lc = _lc(node, seg, "key" if (last and at_key) else "value")
            if lc is not None:
                line, col = lc[0] + 1, lc[1] + 1
            node = node[seg]
        elif isinstance(node, CommentedSeq) and isinstance(seg, int) and 0 <= seg < len(node):
            lc = _lc(node, seg, "item")
            if lc is not None:
                line, col = lc[0] + 1, lc[1] + 1
            node = node[seg]
        else:
            break
    return line, col


def _lc(node: Any, seg: int | str, kind: str) -> Any:
    """Position data of one key/item; keys pulled in by a `<<:` merge have none of their own."""
    try:
        return getattr(node.lc, kind)(seg)
    except (KeyError, IndexError, TypeError):
        return None


def _human_path(loc: Loc) -> str:
    out = ""
    for seg in loc:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif not seg.startswith("<"):
            out += ("." if out else "") + seg
    return out


def _issue(filename: str, tree: Any, loc: Loc, message: str, at_key: bool = False) -> PlanIssue:
    line, col = _position(tree, loc, at_key)
    return PlanIssue(filename, line, col, _one_line(_human_path(loc)), _one_line(message))


def _one_line(text: str) -> str:
    """A key or value quoted in a message may hold line breaks and control characters: escape them, so each
    issue stays one `file:line:col: ...` line."""
    return safe(text)


# -- translating pydantic errors ----------------------------------------------------------------

def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            lazy = next((m for m in typing.get_args(tp)[1:] if isinstance(m, LazyType)), None)
            tp = lazy.resolve() if lazy is not None else typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _field_names(loc: Loc) -> list[str]:
    """Keys allowed at `loc`, walking the model types, for "did you mean" hints."""
    tp: Any = Plan
    for seg in loc:
        tp = _unwrap(tp)
        if isinstance(seg, str) and seg.startswith("<") and seg[1:-1] in KINDS:
            tp = kind_class(seg[1:-1])
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {(f.alias or n): f for n, f in tp.model_fields.items()}
            if seg not in fields:
                return []
            tp = fields[str(seg)].annotation
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [(f.alias or n) for n, f in tp.model_fields.items()]
    return []


_TYPE_WORDS = {
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "list_type": "a list",
}


def _describe_input(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "..."


def _message(err: Any, fields: list[str]) -> tuple[str, bool]:
    """Human message and whether it points at the key rather than the value."""
    etype = err["type"]
    loc = err["loc"]
    ctx = err.get("ctx") or {}
    if etype == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else (
            f"; allowed: {', '.join(fields)}" if fields and len(fields) <= 12 else "")
        return f"unknown key '{key}'{hint}", True
    if etype == "missing":
        return f"missing required key '{loc[-1]}'", False
    if etype in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[etype]}, found {_describe_input(err.get('input'))}", False
    if etype == "literal_error":
        return f"expected {ctx.get('expected', '')}, found {_describe_input(err.get('input'))}", False
    if etype in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, "), False
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
                 "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}[etype]
        return f"must be {words[0]} {ctx.get(words[1])}, found {_describe_input(err.get('input'))}", False
    if etype == "too_short":
        return "must not be empty", False
    if etype == "string_pattern_mismatch":
        return f"'{err.get('input')}' must be letters, digits, '.', '_' or '-'", False
    if etype == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        options = [t.strip("'<> ") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(tag, options, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; expected one of: {', '.join(options)}"
        return f"unknown type '{tag}'{hint}", False
    msg = str(err["msg"])
    return msg[:1].lower() + msg[1:], False


def _issues_from_validation(exc: ValidationError, tree: Any, filename: str) -> list[PlanIssue]:
    errors = exc.errors()
    # A misspelt key also makes the real key "missing"; report the misspelling only.
    misspelt: set[tuple[Loc, str]] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            parent = tuple(err["loc"][:-1])
            for close in difflib.get_close_matches(str(err["loc"][-1]), _field_names(parent), n=1, cutoff=0.6):
                misspelt.add((parent, close))
    issues: list[PlanIssue] = []
    seen: set[tuple[int, int, str]] = set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and (loc[:-1], str(loc[-1])) in misspelt:
            continue
        message, at_key = _message(err, _field_names(loc[:-1]) if err["type"] == "extra_forbidden" else [])
        path_loc = loc[:-1] if err["type"] in ("extra_forbidden", "missing") else loc
        ctx = err.get("ctx") or {}
        if err["type"] == "step_kind" and "key" in ctx:
            line, col = _position(tree, (*loc, str(ctx["key"])), True)
        else:
            line, col = _position(tree, loc, at_key)
        dedupe = (line, col, message)
        if dedupe in seen:
            continue
        seen.add(dedupe)
        issues.append(PlanIssue(filename, line, col, _one_line(_human_path(path_loc)), _one_line(message)))
    issues.sort(key=lambda i: (i.line, i.col))
    return issues


# -- rules that span several places -------------------------------------------------------------

def semantic_problems(plan: Plan) -> list[tuple[Loc, str, bool]]:
    problems: list[tuple[Loc, str, bool]] = []
    names: dict[str, int] = {}
    for i, phase in enumerate(plan.phases):
        if phase.name in names:
            problems.append((("phases", i, "name"), f"phase name '{phase.name}' is used twice"
                             f" (also phases[{names[phase.name]}])", False))
        names.setdefault(phase.name, i)
        approvals = phase.gate.approvals
        if approvals and approvals.role and approvals.role not in plan.approvers:
            known = ", ".join(plan.approvers) or "none defined"
            problems.append((("phases", i, "gate", "approvals", "role"),
                             f"role '{approvals.role}' is not in approvers ({known})", False))
        if approvals and approvals.until:
            why = _until_problem(approvals.until, plan.window is not None)
            if why:
                problems.append((("phases", i, "gate", "approvals", "until"), why, False))
        if approvals and approvals.role and approvals.count > len(plan.approvers.get(approvals.role, [])):
            # a role listed with nobody yet (`Go/No-Go approver: []`, a runbook's decision that names no one) is
            # one to fill in before a run: `golive run` refuses to start until it is (golive.run.start)
            if plan.approvers.get(approvals.role):
                problems.append((("phases", i, "gate", "approvals", "count"),
                                 f"needs {approvals.count} approvals but role '{approvals.role}' has only"
                                 f" {len(plan.approvers[approvals.role])} people", False))
    levels: dict[int, int] = {}
    for i, level in enumerate(plan.rollback.levels):
        if level.level in levels:
            problems.append((("rollback", "levels", i, "level"), f"level {level.level} is defined twice", False))
        levels.setdefault(level.level, i)
        for j, covered in enumerate(level.covers):
            if covered not in names:
                close = difflib.get_close_matches(covered, list(names), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append((("rollback", "levels", i, "covers", j), f"no phase named '{covered}'{hint}",
                                 False))
    problems += _chain_problems(plan)
    for i, phase in enumerate(plan.phases):
        for j, step in enumerate(phase.steps):
            if step.undo is not None and step.is_read_only and step.idempotent is None:
                problems.append((("phases", i, "steps", j, "undo"),
                                 f"a {step.kind} step changes nothing, so it has nothing to undo", True))
    return problems


def _chain_problems(plan: Plan) -> list[tuple[Loc, str, bool]]:
    """`then:` and `first:` name levels that exist, and never lead back to the level they start from (a loop would
    make "each level once" depend on where it was entered, and "first" would have no first)."""
    problems: list[tuple[Loc, str, bool]] = []
    by_number = {lv.level: lv for lv in plan.rollback.levels}
    known = ", ".join(str(n) for n in sorted(by_number))

    def runs(n: int) -> list[int]:
        return [*by_number[n].first, *by_number[n].then] if n in by_number else []

    for i, level in enumerate(plan.rollback.levels):
        for field in ("first", "then"):
            for j, nxt in enumerate(getattr(level, field)):
                if nxt not in by_number:
                    problems.append((("rollback", "levels", i, field, j), f"no rollback level {nxt} (levels: {known})",
                                     False))
        for field in ("first", "then"):
            if leads_back(level.level, getattr(level, field), runs):
                problems.append((("rollback", "levels", i, field), f"level {level.level}'s `{field}` leads back"
                                 " to itself", False))
                break  # one loop, said once
    return problems


def _until_problem(until: str, windowed: bool) -> str | None:
    """Why a gate's `approvals.until` cannot be read: not a moment, or a time of day with no window to place it."""
    from datetime import time

    from golive.plan.window import parse_moment

    try:
        moment = parse_moment(until)
    except ValueError as exc:
        return str(exc)
    if isinstance(moment, time) and not windowed:
        return f"'{until}' is a time of day: without a window it names no moment (write a date-time)"
    return None
