"""A block the document runs on a host it names ("Do it on search-01 only", "On db1:", "Nur auf app-02
ausführen", "在 order-app-01 上执行"): golive runs a shell step on the machine the run is on, so kept as a shell
step the command ran on the wrong machine (set 8: a crontab check meant for search-01 ran on the bastion). The
plan has no SSH target of that name, so the block is a person's step that names the host and shows the commands,
with the result the document states for it."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.fences import block_text
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean, fold_width
from golive.plan.md_blocks import Block

#: A host's name as written in prose: `search-01`, `db1`, `web-02.prod.example.com` (a digit in it; no version).
_HOST = r"(?P<h>(?!v?\d+(?:\.\d+)+\b)(?=[A-Za-z0-9.-]*\d)[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)"
#: Sentences that put the commands on that host, in the languages runbooks are written in.
_ON_NAMED = [re.compile(p, re.I) for p in (
    rf"\bon\s+`?{_HOST}`?\s+only\b",
    rf"\bonly\s+on\s+`?{_HOST}`?",
    rf"\b(?:do|run|execute|perform|check)\s+(?:it|this|that|these|them|everything(?:\s+below)?|the\s+following|"
    rf"the\s+(?:check|commands?|steps?|block))\s+on\s+`?{_HOST}`?",
    rf"^\W*(?:then\s+)?on\s+`?{_HOST}`?\s*(?:,\s*(?:run|execute)\s*)?[:：]\s*$",
    rf"\b(?:log\s+in(?:to)?|ssh\s+(?:in)?to|connect\s+to)\s+`?{_HOST}`?",
    rf"\bnur\s+auf\s+`?{_HOST}`?",
    rf"\bauf\s+`?{_HOST}`?\s+(?:ausf(?:ü|ue)hren|allein|nur)\b",
    rf"^\W*auf\s+`?{_HOST}`?\s*:\s*$",
    rf"\b(?:uniquement|seulement)\s+sur\s+`?{_HOST}`?",
    rf"\bsur\s+`?{_HOST}`?\s+(?:uniquement|seulement)\b",
    rf"^\W*sur\s+`?{_HOST}`?\s*:\s*$",
    rf"\b(?:solo|solamente|s(?:ó|o)lo|(?:ú|u)nicamente)\s+en\s+`?{_HOST}`?",
    rf"\ben\s+`?{_HOST}`?\s+(?:solamente|(?:ú|u)nicamente)\b",
    rf"^\W*en\s+`?{_HOST}`?\s*:\s*$",
    rf"(?:只|仅|僅|只能)?在\s*`?{_HOST}`?\s*上",
    rf"`?{_HOST}`?\s*(?:上)?で(?:のみ|だけ)?(?:実行|行|確認)",
    rf"`?{_HOST}`?\s*のみ",
)]
#: Where golive itself runs, never another host: the bastion, a jump or deploy host, a laptop, CI.
_OWN = re.compile(r"(?i)bastion|jump|deploy|laptop|workstation|runner|\bci\b|build|local")
#: A sentence that keeps the commands off the host: "not on db1", "except on db1", "nicht auf db1".
_NOT = re.compile(r"(?i)\b(?:not|never|except|but)\s+(?:on\s+)?$|\b(?:nicht|nie|au(?:ß|ss)er)\s+(?:auf\s+)?$|"
                  r"\b(?:pas|jamais|sauf)\s+(?:sur\s+)?$|\b(?:no|nunca|excepto)\s+(?:en\s+)?$|[不非]\s*$")


_H = r"`?(?!v?\d+(?:\.\d+)+\b)(?=[A-Za-z0-9.-]*\d)[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*`?"
_AND = r"(?:and|&|und|et|y|e|i|en|и|та|和|と)"
#: A sentence that puts the commands on several hosts it names, or on every node ("On kc-1 and kc-2:", "On db1, db2
#: and db3.", "Auf app-01 und app-02:", "On each node:", "Run on all nodes:", "На каждом узле:", "Na każdym węźle:"):
#: one step on the machine golive runs on is none of them.
_ON_SEVERAL = [re.compile(p, re.I) for p in (
    rf"^\W*(?:then\s+)?(?:(?:run|execute|do\s+(?:it|this))\s+)?(?:on|auf|sur|en|na|на)\s+(?P<h>{_H}(?:\s*,\s*{_H})*"
    rf"\s*,?\s+{_AND}\s+{_H})\s*(?:[:.]|$)",
    r"^\W*(?:then\s+)?(?:(?:run|execute|do)(?:\s+(?:it|this|these|them))?\s+)?(?P<h>on\s+(?:each|every|all(?:\s+the)?|both)\s+"
    r"(?:node|host|server|machine|vm|broker|replica|instance|worker|member)s?)\b[^:.]{0,40}[:.]?\s*$",
    r"^\W*(?P<h>(?:auf\s+(?:jedem|allen|beiden)|sur\s+(?:chaque|tous\s+les)|en\s+(?:cada|todos\s+los)|"
    r"na\s+(?:każdym|wszystkich)|на\s+(?:каждом|всех))\s+\w+)[^:.]{0,40}[:.]?\s*$",
)]


def named_hosts(text: str) -> tuple[str, str] | None:
    """The hosts a paragraph puts the commands on when it names several or every node ("kc-1 and kc-2", "on each
    node"), and the sentence that says so; None when it says no such thing."""
    text = fold_width(_clean(re.sub(r"\*\*|__|==", "", text)))
    for sentence in re.split(r"(?<=[.!?;])\s+(?=\S)", text):
        for pattern in _ON_SEVERAL:
            m = pattern.search(sentence)
            if m is not None and not _OWN.search(m.group("h")):
                return m.group("h").replace("`", ""), sentence.strip()
    return None


def named_host(text: str) -> tuple[str, str] | None:
    """The host a paragraph puts the commands on, and the sentence that says so; None when it names none."""
    text = fold_width(_clean(re.sub(r"\*\*|__", "", text)))
    for sentence in re.split(r"(?<=[.!?;])\s+(?=\S)|(?<=[。！？；])\s*(?=\S)", text):
        for pattern in _ON_NAMED:
            for m in pattern.finditer(sentence):
                host = m.group("h")
                if not _OWN.search(host) and not _NOT.search(sentence[:m.start()]):
                    return host, sentence.strip()
    return None


class NamedHostMixin(ImportState):
    def host_lead(self, j: int) -> tuple[str, str, Block] | None:
        """The host the paragraphs right before block j name (back to the block before them): "Do it on
        search-01 only; the other hosts have no cron." / "Check with"."""
        k = j - 1
        while k >= 0 and self.blocks[k].kind == "para" and self.blocks[k].depth == self.blocks[j].depth:
            host = named_host(self.blocks[k].raw) or named_hosts(self.blocks[k].raw)
            if host is not None:
                return host[0], host[1], self.blocks[k]
            k -= 1
        return None

    def named_host_fence(self, phase: dict[str, Any], b: Block, j: int, end: int, name: str | None) -> bool:
        """The block as a person's step on the host the document names (module docstring); False when the
        document names none, or the block reaches that host itself (`ssh search-01 ...`, `clush -w search-01`)."""
        from golive.plan.importer.stated import stated

        found = self.host_lead(j)
        if found is None or not self.runs(b) or re.search(rf"(?<![\w.-]){re.escape(found[0])}(?![\w-])", b.text):
            return False
        names = re.findall(rf"{_H}", found[0]) if not re.match(r"(?i)on\s|\w+\s+\w+$", found[0]) else []
        if (names and all(re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", b.text) for n in names)) or (
                not names and re.search(r"(?m)^\s*(?:ssh|pdsh|clush|ansible|salt|parallel-ssh|pssh)\b", b.text)):
            return False  # the block reaches those hosts itself (`for h in kc-1 kc-2; do ssh "$h" ...`)
        host, sentence, said = found
        holder: dict[str, Any] = {"name": phase["name"], "steps": [], "gate": None, "timebox": None,
                                  "description": []}
        said_before = len(self.conversions)
        self.phase_fence(holder, b, name)
        made = holder["steps"]
        commands = [s["shell"]["command"] if isinstance(s["shell"], dict) else s["shell"] for s in made
                    if "shell" in s]
        if not made or len(commands) != len(made):
            phase["steps"] += made  # SQL, a backup...: golive reaches the database, not the host; as they were
            return True
        # phase_fence's "golive runs it on the machine the run is on; make it an ssh step" is no longer so
        self.conversions[said_before:] = [c for c in self.conversions[said_before:]
                                          if not c.startswith(f"line {b.line}: the document runs this block on")]
        where = host if re.match(r"(?i)on\s", host) else f"On {host}"
        text = f"{where} (the document runs this there: '{sentence[:200]}'):\n" + "\n".join(
            str(c).rstrip("\n") for c in commands)
        after = self.blocks[j + 1] if j + 1 < end else None
        if after is not None and after.kind == "para" and not after.placed and stated(after.raw, "after"):
            text += f"\n{_clean(after.text)}"
            if j + 2 >= end or self.blocks[j + 2].kind != "fence":
                after.placed = True
        phase["steps"].append(self.step("manual", {"instruction": block_text(text)}, b.line + 1, name))
        self.host_steps[id(phase["steps"][-1])] = where
        self.inferred.append(f"line {b.line}: the document runs the block on {host} (line {said.line}); the plan has"
                             " no target of that name -> a person's step naming the host, never run where golive"
                             " runs")
        return True

    def host_undo(self, phase: dict[str, Any], steps: list[dict[str, Any]], b: Block) -> list[dict[str, Any]]:
        """The undo block of a block the document runs on hosts it names ("On web-1 and web-2:" then "Undo, if
        needed:"): the frame covers the undo too, so its commands are a person's step on those hosts, never a
        shell step run where golive runs (it stopped the service on the jump host, the hosts untouched)."""
        from golive.plan.md_commands import watching

        last = next((s for s in reversed(phase["steps"]) if not watching(s)), None)
        where = self.host_steps.get(id(last)) if last is not None else None
        if where is None or not any("shell" in s for s in steps):
            return steps
        out: list[dict[str, Any]] = []
        for s in steps:
            if "shell" not in s:
                out.append(s)  # SQL, a restore...: golive reaches the database, not the host
                continue
            cmd = s["shell"]["command"] if isinstance(s["shell"], dict) else s["shell"]
            text = f"{where} (the undo of the step the document runs there; only if that step ran):\n" + str(
                cmd).rstrip("\n")
            out.append(self.step("manual", {"instruction": block_text(text)}, b.line + 1, None))
        self.inferred.append(f"line {b.line}: the undo of a block the document runs {where[0].lower()}{where[1:]}"
                             " -> a person's step on the same hosts, never run where golive runs")
        return out
