"""Which imported Go/No-Go golive may decide by itself: only one whose every criterion restates that the phase's own
steps succeeded ("Database schema successfully deployed", "All smoke tests passing"), which golive sees when each
step ends well. Anything else a runbook writes at a Go/No-Go (a number to read off a dashboard, a question, a
meeting, nothing at all but the words "Go/No-Go") is a person's decision.

Until set 11 a gate got an approval only when the importer recognised words of deciding ("decides", "gives the
GO", many languages): every wording it did not know made a gate that passed by itself once the steps succeeded,
the run going on with nobody saying go. The default is turned round: a gate asks a person unless it is plainly
automatic, and the role that decides it is the one the document names, else the Go/No-Go approver role (listing
nobody when the document names nobody: `golive run` then refuses to start until someone is written in).
"""

from __future__ import annotations

import re

#: A criterion that says the phase's work succeeded, as golive sees it when the phase's steps end well.
_SUCCEEDED = re.compile(
    r"(?i)\b(?:success\w*|succeed\w*|pass(?:es|ed|ing)?|green|healthy|complete[ds]?|done|finished|deployed|"
    r"installed|applied|migrated|running|started|up|ok|okay|ready|working|without\s+errors?|no\s+errors?|"
    r"erfolgreich|abgeschlossen|r[ée]ussie?s?|termin[ée]e?s?|exitos[oa]s?|completad[oa]s?|bem[\s-]sucedid[oa]s?|"
    r"conclu[íi]d[oa]s?|riuscit[oa]|completat[oa])\b|成功|完了|完成|正常|완료|성공")
#: What golive's steps do not measure by themselves: a number with a unit or a limit, a comparison, a question.
_MEASURED = re.compile(r"\d\s*(?:%|ms\b|s\b|sec|min|h\b|hours?|rps|qps|req)|[<>≤≥]|\?|\b(?:below|above|under|over|"
                       r"less\s+than|more\s+than|at\s+least|at\s+most|within|p\d{2}|latency|error\s+rate|"
                       r"dashboard|graph|metric\w*|alert\w*|look\w*|review\w*|confirm\w*|check\s+with|agree\w*|"
                       r"accept\w*|sign\w*|call|meeting|poll|vote|bridge|team|stakeholders?|approv\w*|consent\w*|go-ahead|"
                       r"permission|blessing)\b", re.I)
#: Words that say "fine" of anything, a person's OK as well as a step's: "Product owner OK", "Ops ready", "CAB ok".
_ANYONES = re.compile(r"(?i)\b(?:ok|okay|ready|up|done|complete[ds]?|green|fine|good)\b")
#: The work golive runs and sees end well, the subject "ok"/"ready" needs to be the steps' success.
_WORK = re.compile(r"(?i)\b(?:tests?|checks?|smoke|migrations?|deploy\w*|services?|pods?|health\w*|schema|databases?|"
                   r"db|builds?|jobs?|steps?|app\w*|api|servers?|hosts?|nodes?|clusters?|containers?|replicas?|"
                   r"endpoints?|site|backups?|restores?|rollouts?|release|upgrade|install\w*|scripts?|pipelines?|"
                   r"ci|tasks?|queues?|cache|index\w*|data|sync\w*|replication|web|frontend|backend|workers?|"
                   r"instances?|systems?|infra\w*|network|dns|certs?|certificates?|load\s+balancer|lb|traffic|"
                   r"monitoring|probes?|status\s+page|everything|all)\b")
#: Someone who gives an OK: a role, a team, a board ("Product owner OK", "CAB ok", "Ops lead OK").
_SOMEONE = re.compile(r"(?i)\b(?:owner|lead|manager|cab|ccb|board|dba|po|pm|director|head|chief|c[tei]o|vp|on-?call|"
                      r"stakeholders?|customer|client|business|legal|compliance|finance|commander|chair|sponsor)\b")
#: Where one criterion ends and the next starts: "A; B", "A, B", "A and B", one per line.
_PARTS = re.compile(r"\s*(?:;|\n|,\s+|\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+|\s+e\s+)\s*")


def decides_itself(text: str) -> bool:
    """Every criterion of the gate's words restates the success of the phase's steps (see the module)."""
    body = re.sub(r"(?i)^\W*(?:(?:final\s+)?go\s*/\s*no[\s-]*go(?:\s+(?:decision(?:\s+point)?|checkpoint|gate))?|"
                  r"decision(?:\s+point)?|checkpoint|gate)\W*", "", text.strip())
    parts = [p.strip(" .:*_-") for p in _PARTS.split(body) if p.strip(" .:*_-")]
    if not parts or _MEASURED.search(body):
        return False
    return all(_SUCCEEDED.search(p) and not _someones_ok(p) for p in parts)


def _someones_ok(part: str) -> bool:
    """The criterion's only word of success is an OK anyone gives ("Product owner OK", "Ops ready", "CAB ok",
    "Fatima OK"): it is the steps' success only with no one named and either no subject ("All OK") or the work as
    its subject ("Smoke tests OK"), else it is someone's OK, a person's decision."""
    if any(not _ANYONES.fullmatch(m.group(0)) for m in _SUCCEEDED.finditer(part)):
        return bool(_SOMEONE.search(part))  # "passing", "deployed": the work's own success unless someone is named
    rest = _ANYONES.sub(" ", part).strip(" .:*_-")
    return bool(rest) and (not _WORK.search(rest) or bool(_SOMEONE.search(rest)))
