"""What a rollback level undoes, read from its steps: the forward phases it covers.

A level that brings data back (a restore, a downgrade, DDL) covers the phases that changed data; any
level covers the phases whose changing steps name the same things it does (a unit, a path, a deployment);
a level that re-runs a forward phase's exact command goes back to the state that phase left, so it covers
the phases after it. When nothing matches, the level covers every forward phase, and says so.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from golive.plan.md_shell_state import own_part

_BASE = {"name", "timeout", "grace", "idempotent", "read_only", "continue_on_error", "undo"}
#: Kinds that change nothing (golive's own read-only kinds), and a canary, which reverts itself.
_NOT_CHANGING = {"manual", "backup", "canary", "wait", "check"}
#: Data changes: restores, downgrades, DDL/DML, and a schema migration by any tool (`flyway ... migrate`,
#: `./bin/orders migrate --to 0042`); `pg_restore --list` only reads the dump's table of contents, and a
#: package manager's downgrade (`dnf downgrade pgw-3.7.2`) puts back code, not data.
_DATA = re.compile(r"\bpsql\b[^|]*<|pg_restore(?!\s+(?:--list|-l)\b)|\bmysql\b[^|]*<|"
                   # a dump piped into the database client: `gunzip -c dump.sql.gz | mysql shop`, `zcat x | psql db`
                   r"\|\s*(?:sudo\s+(?:-u\s+\S+\s+)?)?(?:mysql|mariadb|psql|mongorestore)\b|mongorestore\b|"
                   r"(?<!dnf )(?<!yum )(?<!apt )(?<!allow-)downgrade|db:rollback|migrations remove|db:migrate VERSION|"
                   r"\.restore\b|(?<![\w-])migrate(?![\w-]|:status)|\b(?:db|database|data|mysql|mongo|snapshot)[-_]restore\b|"
                   # `/opt/scripts/restore-snapshot.sh orders pre-4.1.7`: a restore named the other way round
                   r"\brestore[-_](?:snapshots?|db|database|data|backups?|dumps?)\b|"
                   r"\b(DROP|ALTER|DELETE\s+FROM|TRUNCATE|INSERT\s+INTO|UPDATE\s+\w+\s+SET|CREATE)\b")
_TOOLS = {"alembic": "alembic", "flask db": "flask-db", "rails db": "rails", "rake db": "rails",
          "dotnet ef": "dotnet-ef", "prisma migrate": "prisma", "manage.py migrate": "django"}


def kind(step: dict[str, Any]) -> str:
    return next((k for k in step if k not in _BASE), "?")


def text(step: dict[str, Any]) -> str:
    """What the step itself does: the `cd` and saved values carried from earlier blocks are where it runs, not a
    change of its own nor a thing it names."""
    spec = step[kind(step)]
    if isinstance(spec, dict) and kind(step) in ("shell", "ssh") and isinstance(spec.get("command"), str):
        spec = spec["command"]
    if isinstance(spec, str):
        return own_part(spec)
    if kind(step) == "sql":
        return str(spec.get("query", ""))
    if kind(step) == "migrate":
        return f"{spec.get('up', '')}\n{spec.get('down', '')}"
    return " ".join(str(v) for v in spec.values()) if isinstance(spec, dict) else str(spec)


def is_data(step: dict[str, Any]) -> bool:
    k = kind(step)
    if k in ("restore", "migrate"):
        return True
    if k == "sql":
        return bool(_DATA.search(text(step).upper().replace("DELETE FROM", "DELETE FROM")))
    return k in ("shell", "ssh") and bool(_DATA.search(text(step)))


#: What a person's step brings back when it shows it: Oracle's FLASHBACK / RESTORE / RECOVER DATABASE (typed in
#: SQL*Plus or RMAN), a pg_restore or mongorestore (never `pg_restore --list`, which only reads the dump).
_RESTORE_BY_HAND = re.compile(r"(?i)\b(?:flashback\s+(?:database|table)|restore\s+database|recover\s+database)\b|"
                              r"\bpg_restore\b(?!\s+(?:--list|-l)\b)|\bmongorestore\b")


def restores_by_hand(step: dict[str, Any]) -> bool:
    """A manual step that restores data: the level holding it restores data, though golive runs nothing of it."""
    return kind(step) == "manual" and bool(_RESTORE_BY_HAND.search(text(step)))


def changes(step: dict[str, Any]) -> bool:
    """False for steps that only look (reads, checks, manual items, backups: the one read-only classifier,
    golive.plan.reads_only, that also sets `read_only: true`); canaries revert themselves."""
    return (kind(step) not in _NOT_CHANGING and not reads_only(step)) or bool(
        kind(step) == "manual" and _BY_ANOTHER_USER.match(text(step)))


#: A person's step made of commands the document runs as another user (importer/run_as.py): a person runs
#: them, and what they change is what a level may undo.
_BY_ANOTHER_USER = re.compile(r"As \S+ \((?:the document runs it as|typed in \S+ shell, opened at)")


def reads_only(step: dict[str, Any]) -> bool:
    """An imported shell, ssh, sql or http step that only reads (golive.plan.reads_only decides)."""
    from golive.plan.reads_only import http_reads_only, shell_reads_only, sql_reads_only

    k, spec = kind(step), step.get(kind(step))
    if k == "sql" and isinstance(spec, dict):
        return isinstance(spec.get("query"), str) and sql_reads_only(spec["query"])
    if k == "http" and isinstance(spec, dict):
        return http_reads_only(spec.get("method"), any(spec.get(f) is not None for f in ("body", "json", "form")))
    if k in ("shell", "ssh"):
        if k == "shell" and isinstance(spec, dict) and spec.get("shell") not in (None, "/bin/bash", "bash", "sh",
                                                                                "/bin/sh"):
            return False  # PowerShell and others: not read by the bash parse
        return shell_reads_only(text(step))
    return False


def mark_read_only(steps: list[dict[str, Any]]) -> int:
    """`read_only: true` on each step that only reads and has no undo of its own; how many were marked."""
    n = 0
    for s in steps:
        if kind(s) in ("shell", "ssh", "sql", "http") and "undo" not in s and "read_only" not in s and reads_only(s):
            s["read_only"] = True
            n += 1
    return n


def tokens(step: dict[str, Any]) -> set[str]:
    """The things a step names: units, paths, deployments, tables (words with a letter and a - _ . /)."""
    body = text(step)
    try:
        words = shlex.split(body, comments=True)
    except ValueError:
        words = body.split()
    out: set[str] = set()
    for w in words:
        if w.startswith("-"):
            continue
        for part in [w, *re.split(r"[/:=@,;()'\"]+", w)]:
            if len(part) >= 4 and re.search(r"[A-Za-z]", part) and re.search(r"[-_./]", part) \
                    and not re.fullmatch(r"\$\{?\w+\}?|.*\.(txt|log)|v?\d[\w.]*", part):
                out.add(part.lower())
    for needle, tool in _TOOLS.items():
        if needle in body:
            out.add(f"tool:{tool}")
    return out


#: "(steps 2-3)", "after phase 4", "stages B and C": the forward phases a rollback level says it undoes; never
#: a condition ("only if Phase C fails" names the trigger, not what is undone).
_REFS = re.compile(r"(?i)(?<!\bif )(?<!\bwhen )(?<!\bunless )\b(?:steps?|phases?|stages?|sections?|fases?|pasos?|"
                   r"etapas?|schritte?|phasen?|[ée]tapes?)\s+"
                   r"([A-Z]|\d{1,2})(?:\s*(?:-|–|—|to|and|y|und|et|e|,|&)\s*([A-Z]|\d{1,2}))?\b")
_PHASE_ID = re.compile(r"(?i)^\W*(?:(?:phase|step|stage|section|fase|paso|etapa|schritt|[ée]tape)\s*([A-Z]|\d{1,2})"
                       r"|(\d{1,2}))(?:\s*[.:)\-–—]|\s+|$)"
                       r"|^\W*(?-i:([A-Z]))[.)]\s")
#: "(undoes B)", "undoes 2 and 3", "reverts A;": a phase named by its bare letter or number right after the verb.
_BARE_REFS = re.compile(r"(?i)\b(?:undo(?:es)?|reverts?|covers?)\s+(?-i:([A-Z])|(\d{1,2}))"
                        r"(?:\s*(?:-|–|and|,|&)\s*(?-i:([A-Z])|(\d{1,2})))?(?=\s*(?:[);,.:]|$))")


def phase_refs(text: str) -> list[str]:
    """The phase numbers (or letters) a rollback level's heading or label names, ranges expanded."""
    out: list[str] = []
    for m in _BARE_REFS.finditer(text):
        out += [x for x in m.groups() if x]
    for m in _REFS.finditer(text):
        a, b = m.group(1).upper(), (m.group(2) or m.group(1)).upper()
        if a.isdigit() and b.isdigit() and int(a) <= int(b) <= int(a) + 20:
            out += [str(n) for n in range(int(a), int(b) + 1)]
        elif len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a <= b:
            out += [chr(c) for c in range(ord(a), ord(b) + 1)]
        else:
            out += [a, b]
    return list(dict.fromkeys(out))


def named(refs: list[str], phases: list[dict[str, Any]]) -> list[str]:
    """The forward phases whose own number/letter ("2. Deploy canary", "Phase B - Migrate") a level names."""
    ids = {p["name"]: (m.group(1) or m.group(2) or m.group(3)).upper() for p in phases
           if (m := _PHASE_ID.match(str(p["name"])))}
    return [p["name"] for p in phases if ids.get(p["name"]) in refs]


def derive(levels: list[dict[str, Any]], phases: list[dict[str, Any]]) -> list[tuple[list[str], str]]:
    """(covers, why) per level, in the order given (ascending level numbers); the phases a level names
    ("During the canary (steps 2-3)") are what it covers, as the document says."""
    covered_below: set[str] = set()
    out: list[tuple[list[str], str]] = []
    changing = {p["name"]: [s for s in p["steps"] if changes(s)] for p in phases}
    texts = {p["name"]: {text(s).strip() for s in changing[p["name"]]} for p in phases}
    order = [p["name"] for p in phases]
    looking = {p["name"] for p in phases if p["steps"] and all(
        kind(s) in ("backup", "wait", "check") or reads_only(s) for s in p["steps"])}
    for lv in levels:
        steps = lv["steps"]
        data = any(is_data(s) for s in steps)
        # what the level changes names what it undoes; its own checks (`kubectl rollout status`, a GET of the
        # version) name things they only look at
        acting = [s for s in steps if changes(s)] or steps
        ltoks = set().union(*(tokens(s) for s in acting)) if acting else set()
        ltexts = {text(s).strip() for s in steps if kind(s) in ("shell", "ssh")}
        again = [i for i, n in enumerate(order) if ltexts & texts[n]]
        if again:
            # A level that also changes what that phase changed ("stop; ln -sfn <previous release> current;
            # start" after "ln -sfn <new release> current; start") undoes it, re-run start or not.
            others = set().union(*(tokens(s) for s in steps if text(s).strip() not in texts[order[again[0]]]
                                   and changes(s)))
            own = set().union(*(tokens(s) for s in changing[order[again[0]]]))
            if others & own:
                again = []
        # a level that only re-runs a phase's command (a slot swap swapped back) leaves the phases before it as
        # they are: a failure in the staging deploy before the swap is not the swap's to answer
        since = again[0] if again else 0
        # a phase that only reads changed nothing to undo: named, it is where the level's data comes from ("restore
        # from the backup of step 1"), not what it undoes
        cov: list[str] = [n for n in named(lv.get("refs") or [], phases) if n not in looking]
        why: list[str] = [f"the document names them (steps {', '.join(lv['refs'])})"] if cov else []
        if not cov and lv.get("phase") in order:  # "**Rollback:**" and its block inside that phase
            cov, why = [lv["phase"]], [f"it stands in '{lv['phase']}', after its steps"]
        if not cov:  # traffic back on a router: the phases that moved traffic on that router
            routers = {repr(s["switch"].get("router")) for s in steps if kind(s) == "switch"
                       and isinstance(s["switch"], dict)}
            cov = [p["name"] for p in phases if routers and any(
                kind(s) in ("canary", "switch") and isinstance(s[kind(s)], dict)
                and repr(s[kind(s)].get("router")) in routers for s in p["steps"])]
            why = ["it moves traffic back on the router these phases moved it on"] if cov else []
        pdata = {n for n in order if any(is_data(s) for s in changing[n])}
        if not cov and again and again[0] < len(order) - 1 and not (data and pdata):  # a restore undoes the data
            cov = [n for n in order[again[0] + 1:] if changing[n]]
            why = [f"it re-runs a command of '{order[again[0]]}', so it undoes the phases after it"]
        ptoks = {n: set().union(*(tokens(s) for s in changing[n])) for n in order}
        # a data level covers the data phases that name what it names, else every phase that changed data
        data_hits = {n for n in pdata if ltoks & ptoks[n]} or pdata
        # a data level leaves the phases a lower level covers to it, unless no phase is left that way (nothing
        # visibly changed data: `ansible-playbook db-restore.yml` after a rollout that wrote to the database)
        for keep_below in (False, True) if not cov else ():
            for n in order:
                if not changing[n]:
                    continue
                if data and n in data_hits:
                    cov.append(n)
                    why.append(f"'{n}' (it changed data; this level brings data back)")
                elif ltoks & ptoks[n] and not (data and not keep_below and n in covered_below) \
                        and n not in pdata - data_hits and order.index(n) >= since:
                    cov.append(n)
                    shared = ", ".join(sorted(ltoks & ptoks[n])[:3])
                    why.append(f"'{n}' (both name {shared})")
            if cov or not data:
                break
        if not cov:  # a canary on the document's own router moves traffic as the document's commands did
            cov = [n for n, p in zip(order, phases, strict=True) if changing[n] or any(
                kind(s) == "canary" and isinstance(s["canary"], dict) and isinstance(s["canary"].get("router"), dict)
                and s["canary"]["router"].get("type") != "builtin" for s in p["steps"])] or [
                p["name"] for p in phases if p["steps"]]
            why = ["every forward phase that changes something: nothing in the level's steps names one phase"
                   " more than another"]
        later = checked_after(lv, cov, order, changing)
        if later:
            cov += later
            why.append(f"its trigger names {', '.join(repr(n) for n in later)}, which only checks what came before")
        covered_below |= set(cov)
        out.append((cov, "; ".join(why)))
    return out


#: A check that failed, as a trigger says it: "a failed check in 5.4", "verification fails", "a red result",
#: "collaudo non superato", "Abnahme fehlgeschlagen", "la recette échoue".
_FAILED = re.compile(r"(?i)\bfail\w*|\bred\b|\bbroken\b|\bnot\s+pass\w*|\bnon\s+superat\w*|\bfallit\w*|"
                     r"\bfallisc\w*|\bfehl\w*|\bscheiter\w*|[ée]chou\w*|\bfall[aó]\w*|\bfalh\w*")
#: Words of a phase's name that say nothing of which phase it is.
_PLAIN = {"phase", "stage", "step", "steps", "after", "before", "final", "check", "checks", "the", "and", "with"}


def checked_after(lv: dict[str, Any], cov: list[str], order: list[str],
                  changing: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The phases right after the last one a level covers that only check (no step changes anything) and that
    the level's trigger names: "When: ... or a failed check in 5.4", "(verification fails)", "a failed check
    under *Verify*", "collaudo non superato". A failed check there is this level's to answer."""
    text = " ".join([str(lv.get("name", "")), *[str(d) for d in lv.get("description") or []]])
    # only the parts that speak of a failure: "all traffic back" names a phase's word but no failed check
    said = " ".join(c for c in re.split(r"[,;()]|\.\s|\bor\b|\boppure\b|\boder\b|\bou\b|\bo\b", text)
                    if _FAILED.search(c))
    if not cov or not said.strip():
        return []
    words = {w.lower() for w in re.findall(r"[^\W\d_]{5,}", said)}
    out: list[str] = []
    for name in order[max(order.index(n) for n in cov) + 1:]:
        if changing[name]:
            break
        number = re.match(r"^\W*(?:(?:phase|step|stage|fase|schritt|etapa)\s*)?(\d+(?:\.\d+)+|\d+)\b", name, re.I)
        by_number = number is not None and "." in number.group(1) and re.search(
            rf"(?<![\d.]){re.escape(number.group(1))}(?![\d.]\d)", said)
        stems = {w.lower()[:5] for w in re.findall(r"[^\W\d_]{5,}", re.sub(r"\([^)]*\)", "", name))
                 if w.lower() not in _PLAIN}
        if by_number or any(w.startswith(stem) for stem in stems for w in words):
            out.append(name)
    return out
