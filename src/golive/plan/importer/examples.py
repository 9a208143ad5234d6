"""Values the document calls examples never run as written.

`nomad job run -check-index 4182 payments.nomad.hcl` with "4182 is only an example" under it (set 9 07): the index
exists to stop a run over someone else's change, and a stale one is refused at best. The same for "`i-0abc123` is a
placeholder", "z. B. `2026-12-01`", "4182 ist nur ein Beispiel", "4182 es solo un ejemplo", "4182 只是示例". The value
in the step's command becomes a plan var to fill in (named for the option it is given to: `-check-index 4182` ->
${CHECK_INDEX}), read from the environment: the run refuses to start until someone gives the real one.
"""

from __future__ import annotations

import re
from typing import Any

#: "X is only an example", "X is a placeholder", "X ist nur ein Beispiel", "X n'est qu'un exemple", "X es solo un
#: ejemplo", "X é apenas um exemplo", "X 只是示例", "X は例です"; X in backticks or a bare token.
_X = r"(?:`(?P<{0}>[^`\n]{{2,60}})`|(?P<{1}>(?=[\w./:@-]{{3,}})[\w./:@-]*\d[\w./:@-]*))"
_CALLED = re.compile(
    _X.format("q1", "b1") + r"\s*(?:(?:is|are|was)\s+(?:only|just|merely|purely|simply)?\s*(?:an?\s+)?"
    r"(?:example|placeholder|sample|illustration|dummy)|(?:ist|sind)\s+(?:nur|lediglich)?\s*(?:ein\s+)?"
    r"(?:beispiel|platzhalter)|n['’]est\s+qu['’]\s*un\s+exemple|(?:est|sont)\s+(?:seulement\s+)?un\s+exemple|"
    r"(?:es|son)\s+(?:solo|sólo|solamente)?\s*(?:un\s+)?ejemplo|(?:é|são)\s+(?:apenas|só)?\s*(?:um\s+)?exemplo|"
    r"\s*(?:只是|仅为|僅為|仅是|僅是)?\s*(?:示例|例子|样例|範例|范例)|\s*は\s*(?:単なる)?例)"
    r"|\b(?:e\.\s?g\.|for\s+example|for\s+instance|z\.\s?b\.|zum\s+beispiel|por\s+ejemplo|par\s+exemple|"
    r"por\s+exemplo|例如|比如)\s*,?\s*" + _X.format("q2", "b2") + r"|\breplace\s+" + _X.format("q3", "b3")
    + r"\s+with\b", re.I)
_VAR = re.compile(r"[^A-Za-z0-9]+")


def said_examples(text: str) -> list[str]:
    """The values a statement calls examples or placeholders."""
    out = []
    for m in _CALLED.finditer(text):
        value = next((g for g in m.group("q1", "b1", "q2", "b2", "q3", "b3") if g), None)
        if value and value.strip():
            out.append(value.strip())
    return out


def _var_for(command: str, value: str, taken: set[str]) -> str:
    """`-check-index 4182` -> CHECK_INDEX, `--revision=7` -> REVISION, else EXAMPLE_VALUE (numbered when taken)."""
    m = re.search(r"(?:^|\s)-{1,2}([A-Za-z][\w-]*)[\s=]+['\"]?" + re.escape(value) + r"(?![\w.-])", command) \
        or re.search(r"(?:^|\s)([A-Za-z][\w-]*)=['\"]?" + re.escape(value) + r"(?![\w.-])", command)
    base = _VAR.sub("_", m.group(1)).strip("_").upper() if m else "EXAMPLE_VALUE"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _text(step: dict[str, Any] | None) -> str | None:
    said = step.get("manual") if isinstance(step, dict) else None
    text = said.get("instruction") if isinstance(said, dict) else said
    return text if isinstance(text, str) else None


def fill_examples(steps: list[dict[str, Any]], description: list[str], taken: set[str]) -> list[tuple[str, str]]:
    """Each value that the person's step right after a shell/ssh step, the step's name, or its phase's description
    calls an example, where it stands in that step's command as a word of its own: replaced by ${VAR}. Returns
    (value, VAR) for the vars and the summary; `taken` holds names in use and gets the new ones."""
    out: list[tuple[str, str]] = []
    # what the description calls examples, read once (per step, it made import quadratic in a long phase)
    described = [v for t in description if isinstance(t, str) for v in said_examples(t)]
    for i, step in enumerate(steps):
        kind = "shell" if "shell" in step else "ssh" if "ssh" in step else None
        spec = step.get(kind) if kind else None
        command = spec.get("command") if isinstance(spec, dict) else spec
        if kind is None or not isinstance(command, str):
            continue
        before = command
        near = [t for t in (_text(steps[i + 1]) if i + 1 < len(steps) else None, step.get("name"))
                if isinstance(t, str)]
        for value in dict.fromkeys([*(v for t in near for v in said_examples(t)), *described]):
            word = r"(?<![\w.${-])" + re.escape(value) + r"(?![\w-]|\.\w)"
            if not re.search(word, command):
                continue
            var = _var_for(command, value, taken)
            taken.add(var)
            command = re.sub(word, "${" + var + "}", command)
            out.append((value, var))
        if command == before:
            continue
        from golive.plan.importer.fences import block_text

        if isinstance(spec, dict):
            spec["command"] = block_text(command)
        else:
            step[kind] = block_text(command)
    return out
