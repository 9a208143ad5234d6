"""Execution is something the import must be sure of: one doubt check over every step about to run.

Each blind set, at its first import, ran ~8 blocks whose meaning differs (a staging-only upgrade on production, SQL
of another database on PostgreSQL, a command in a cancelled item, ...). Each was fixed after the score by one more
rule for its wording, and the next set brought new wordings. The rules decide from words they know; this pass asks
the opposite question of what is about to run: is there anything around or in it that the import cannot explain?
A signal it cannot resolve makes the step a person's step that quotes the exact lines and says why, and the summary
lists it ("doubt: ..."). A person's step never changes what a document means; a wrong runnable step does.

The signals come from parsers and from the document's structure, not from one set's wording:

- ``sql``: PostgreSQL's own parser (pglast, libpg_query) rejects the statement: it is another database's SQL
  (ClickHouse's ``ON CLUSTER``, MySQL's ``UPDATE ... LIMIT``, CQL), whatever the fence or the sentence says;
- ``struck``: the block, its list item or the sentence introducing it is struck through (``~~…~~``, ``<del>``,
  ``<s>``): the writer cancelled it;
- ``box``: the box, directive or tab the block stands in is titled for another environment than production
  (``:::note Staging``, ``:::tip UAT``), in the words golive's "not here" vocabulary already reads;
- ``unread``: the sentence introducing the block is written in a script none of golive's vocabularies hold (Greek,
  Arabic, Hebrew, Thai, Devanagari...): the import cannot tell whether it says "only on staging", "if", "output" or
  "never", so it does not guess that it says "run" (a Latin-script language golive has no words for is not seen);
- ``said``: the words golive already reads as "not here" (an example, staging only, not in prod) stand anywhere in
  the block's frame (the sentence before it, the list item it is in, its box, its heading), or, in the forward path,
  the sentence right before it is a condition ("If the cache is cold, warm it first.") though it does not end in
  the colon the per-block rule waits for. In a rollback level the level's condition is its trigger (`when:`).

Each signal is checked after the guard (golive.plan.importer.guard), on what is about to be emitted, so it holds
whatever path placed the step (fence, list item, table, transcript).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from golive.plan.importer.guard import GuardMixin, _kind, runnable_text
from golive.plan.importer.procedure import line_of
from golive.plan.importer.sentences import last_sentence
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_meaning import CONDITION, NOT_HERE

#: Another environment than the one a plan runs in: the words golive.plan.md_meaning.NOT_HERE reads after "only
#: in", "nur auf", "solo en".
_ENV = (r"(?:staging|stage|dev|development|test|testing|qa|uat|sandbox|local|pre-?prod|recette|homologa[çc][ãa]o|"
        r"collaudo|pruebas|teste|testsystem|entwicklung)")
#: ... as a title of its own: `:::note Staging`, `:::tip UAT`.
_OTHER_ENV = re.compile(r"(?i)^\W*(?:(?:only|nur|solo|s[óo]lo|uniquement|seulement|apenas|alleen)\s+)?(?:(?:in|on|"
                        r"for|f[üu]r|auf|en|em|su|op)\s+)?(?:the\s+)?" + _ENV +
                        r"(?:\s+(?:only|env(?:ironment)?|cluster|system|server|build))?\W*$")
#: ... as the place a sentence puts the block: "On the staging cluster use the release candidate instead",
#: "Auf dem Testsystem", "En recette".
_ON_ENV = re.compile(r"(?i)\b(?:on|in|against|auf|im|en|em|no|na|su|sul|op)\s+(?:the\s+|dem\s+|der\s+|la\s+|le\s+|"
                     r"o\s+|a\s+|il\s+|het\s+|de\s+)?" + _ENV +
                     r"(?:\s+(?:env(?:ironment)?|cluster|system|server|box|host|instance|umgebung))?(?=\s*(?:[,.:;!)]|$|\s(?:only|instead|use|run|nur|uniquement|solo)\b))")
#: Struck text in Markdown and HTML.
_STRUCK = re.compile(r"~~(.+?)~~|<(del|s|strike)\b[^>]*>(.+?)</\2\s*>", re.S | re.I)
#: Plan interpolation, shell and psql variables: neutral names for the parser (`${DB}`, `:'name'`, `:name`).
_VARS = re.compile(r"\$\{[^}\n]*\}|\$[A-Za-z_]\w*|(?<![:\w]):['\"]?[A-Za-z_]\w*['\"]?|\{\{[^}\n]*\}\}")


def _script(ch: str) -> str:
    """The writing system of a letter: LATIN, GREEK, CJK, HIRAGANA, ..."""
    return unicodedata.name(ch, "?").split()[0]


@lru_cache(maxsize=1)
def _read_scripts() -> frozenset[str]:
    """The writing systems the import's vocabularies are written in: every pattern golive.plan's readers hold
    (conditions, examples, other places, output, ways back, people). Derived from the patterns themselves, so a
    language added to them is read from then on."""
    import sys

    import golive.plan.importer  # noqa: F401  (every reader loaded)

    sources: list[str] = []
    for name, module in list(sys.modules.items()):
        if name.startswith("golive.plan.") and module is not None:
            sources += [v.pattern for v in vars(module).values() if isinstance(v, re.Pattern)
                        and isinstance(v.pattern, str)]
    return frozenset(_script(ch) for ch in "".join(sources) if ch.isalpha())


def unread_words(text: str) -> list[str]:
    """The words of `text` written in a script none of the import's vocabularies holds (code spans aside)."""
    known = _read_scripts()
    words = re.findall(r"\w+", re.sub(r"`[^`]*`", " ", text))
    return [w for w in words if any(ch.isalpha() and _script(ch) not in known for ch in w)]


def foreign_sql(query: str) -> str | None:
    """PostgreSQL's parser's objection to `query` (variables made neutral names first), None when it parses."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    text = _VARS.sub("golive_var", query)
    try:
        parse_sql(text)
    except ParseError as exc:
        return str(exc).split(", at index")[0]
    return None


def struck_share(raw: str) -> float:
    """How much of `raw`'s letters stand struck through."""
    letters = sum(ch.isalnum() for ch in raw)
    if not letters:
        return 0.0
    struck = sum(sum(ch.isalnum() for ch in (m.group(1) or m.group(3) or "")) for m in _STRUCK.finditer(raw))
    return struck / letters


def script_of(text: str) -> str:
    """The writing system most letters of `text` are in (LATIN, GREEK, ...)."""
    names = [_script(ch) for ch in text if ch.isalpha()]
    return max(set(names), key=names.count) if names else ""


class DoubtMixin(GuardMixin):
    def guard(self, phases: list[dict[str, Any]], levels: list[dict[str, Any]]) -> None:
        """The guard's checks, then the doubt check over what is still to run."""
        super().guard(phases, levels)
        for holder in phases:
            self.doubt(holder, forward=True)
        for holder in levels:  # a level's own condition is its trigger (`when:`), read by the rollback part
            self.doubt(holder, forward=False)

    def doubt(self, holder: dict[str, Any], forward: bool) -> None:
        """Each step of `holder` that runs a command or SQL, as a person's step when a signal is unresolved."""
        for i, st in enumerate(holder["steps"]):
            text = runnable_text(st)
            if text is None:
                continue
            why = self.doubt_of(st, text, forward)
            if why is not None:
                signal, reason = why
                holder["steps"][i] = self.to_person(st, holder, reason, f"doubt ({signal})", log=self.doubted)

    def doubt_of(self, step: Any, text: str, forward: bool) -> tuple[str, str] | None:
        """(signal, reason) for the first unresolved signal on the step, None when nothing is in doubt."""
        if _kind(step) == "sql":
            objection = foreign_sql(text)
            if objection is not None:
                return "sql", f"another database's SQL (PostgreSQL's own parser rejects it: {objection})"
        line = line_of(step, self.src_name)
        idx = self.block_at(line) if line is not None else None
        if idx is None:
            return None
        b = self.blocks[idx]
        frame = self.frame(idx)
        for said in frame[1:]:
            text = _clean(said.text)
            m = NOT_HERE.search(text) or _ON_ENV.search(text) or (
                CONDITION.match(last_sentence(text)) if forward else None)
            if m is not None:
                return "said", f"introduced by '{m.group(0).strip()[:40]}' (line {said.line}: '{text[:60]}')"
        for h in self.headings_over(idx)[:1]:
            m = NOT_HERE.search(_clean(h.text))
            if m is not None:
                return "said", f"under the heading '{_clean(h.text)[:60]}' (line {h.line}), which says '{m.group(0)}'"
        for said in frame:  # a struck line before an inline command strikes it only when it leads in (':')
            leads = said is b or b.kind == "fence" or (b.parent is not None and said is self.blocks[b.parent]) \
                or _clean(said.text).rstrip().endswith(":")
            if leads and struck_share(said.raw) >= 0.5:
                return "struck", f"struck through by the writer (line {said.line}: '{_clean(said.text)[:60]}')"
        for box in {x.box for x in frame if x.box}:
            if _OTHER_ENV.match(_clean(box)):
                return "box", f"in a box for another environment than production ('{box[:40]}')"
        for said in frame:
            if said is b and b.kind == "fence":
                continue
            unread = unread_words(_clean(said.text))
            if len(unread) >= 2:
                return "unread", (f"introduced in words the import cannot read ({script_of(' '.join(unread))}:"
                                  f" '{' '.join(unread[:4])[:50]}', line {said.line}): it may say to run it"
                                  " only somewhere else, only on a condition, or not at all")
        return None

    def frame(self, idx: int) -> list[Block]:
        """The block and what introduces it: the paragraph or item just before, and the item it stands in. An item
        just before an item is its sibling in the list, not what introduces it (a struck item above must not make
        the next one a person's step)."""
        b = self.blocks[idx]
        out = [b]
        before = self.blocks[idx - 1].kind if idx else ""
        if before == "para" or (before == "item" and b.kind != "item"):
            out.append(self.blocks[idx - 1])
        if b.parent is not None and all(x is not self.blocks[b.parent] for x in out):
            out.append(self.blocks[b.parent])
        return out
