"""Sentences of a runbook's prose, cut where a sentence ends and never at an abbreviation ("z. B.", "e.g.", "i.e.",
"bzw.", "d. h.", "u. a.", "approx.", "vs.", "p. ex.", "p.ej.") or inside a number or version ("5.2", "v1.4.2").

A level's condition is the sentence that states it: cut at "e.g." it lost what followed ("Only if data is wrong,
e.g. rows missing" kept "Only if data is wrong, e"), and a chain or a block's condition read from the last sentence
read a fragment. No sentence splitter is a dependency; the rule is small: a full stop, "!" or "?" before a space
ends a sentence unless the word before it is an abbreviation the runbooks' languages use (English, German, French,
Spanish, Italian, Portuguese, Dutch) or the next word starts in lower case ("am 12. mai", "approx. five"). A word
that may end a sentence ("etc.", "usw.", "min.") ends one before a capital."""

from __future__ import annotations

import re

#: Abbreviations that never end a sentence, written without their dots and in lower case ("z. B." -> "zb").
_NEVER_LAST = frozenset({
    # English
    "eg", "ie", "vs", "approx", "cf", "incl", "excl", "esp", "resp", "dr", "mr", "mrs", "viz", "ca",
    # German
    "zb", "dh", "ua", "uu", "bzw", "ggf", "ggfs", "evtl", "vgl", "inkl", "exkl", "sog", "zt", "oä", "bspw", "hr",
    # French
    "pex", "parex", "cad", "c-à-d", "mme", "mlle",
    # Spanish, Portuguese
    "pej", "ej", "aprox", "sr", "sra", "srta", "ex",
    # Italian
    "pes", "ades", "sig", "sigg", "dott", "ing",
    # Dutch
    "bv", "bijv", "dwz", "oa", "mbt", "ivm",
})
#: Abbreviations that stand before a number ("no. 5", "Nr. 3", "env. 5 min", "fig. 2"), and end no sentence there.
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "nº", "n°", "núm", "num", "env", "fig", "ref", "pág", "pag", "art",
                            "abs", "p", "pp", "s", "vol", "ver", "v"})
#: Abbreviations that may end a sentence (and end one before a capital): kept with their dot at a sentence's end.
_MAY_END = frozenset({"etc", "usw", "usf", "ecc", "enz", "etcétera"})
#: The word before and after the space of a two-word abbreviation ("z. B.", "d. h.", "p. ex.", "ad es.", "par ex.").
_PAIRS = frozenset({("z", "b"), ("d", "h"), ("u", "a"), ("u", "u"), ("o", "ä"), ("s", "o"), ("s", "u"), ("z", "t"),
                    ("i", "e"), ("e", "g"), ("p", "ex"), ("p", "ej"), ("p", "es"), ("par", "ex"), ("ad", "es"),
                    ("c", "à-d"), ("v", "a"), ("o", "a")})
#: Where a sentence may end: a run of ".", "!", "?" before white space (or the end), or a CJK full stop.
_END = re.compile(r"[.!?]+(?=\s|$)|[。！？]")
_WORD_BEFORE = re.compile(r"(\S+)$")


def _bare(word: str) -> str:
    """"(z.B." -> "zb", "e.g.," -> "eg": the word as the abbreviation lists write it."""
    return re.sub(r"[.()\[\]\"'`*_,;:]", "", word).lower()


def _abbreviation(text: str, dot: int, after: int) -> bool:
    """The full stop at `dot` closes an abbreviation: the word before it is one, alone ("approx.", "e.g.", "z.B.") or
    with the word before or after it ("z. B.", "p. ex.")."""
    m = _WORD_BEFORE.search(text, 0, dot)
    word = _bare(m.group(1)) if m else ""
    if not word or word in _NEVER_LAST:
        return bool(word)
    if word in _BEFORE_NUMBER and after < len(text) and text[after].isdigit():
        return True
    before = re.search(r"(\S+)\s+$", text[:m.start(1)]) if m else None
    if before is not None and before.group(1).endswith(".") and (_bare(before.group(1)), word) in _PAIRS:
        return True  # the second word of "z. B."
    nxt = re.match(r"(\S+?)\.(?=\s|$)", text[after:])
    return nxt is not None and (word, _bare(nxt.group(1))) in _PAIRS  # the first word of "z. B."


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its closing mark, in order; white space between them dropped."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        after = m.end()
        while after < len(text) and text[after].isspace():
            after += 1
        if m.group(0) not in "。！？" and after < len(text):
            if text[after].islower():
                continue  # "approx. five minutes", "am 12. mai": the sentence goes on
            if m.group(0) == "." and _abbreviation(text, m.start(), after):
                continue
        part = text[start:m.end()].strip()
        if part:
            out.append(part)
        start = after
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def first_sentence(text: str) -> str:
    """The first sentence, its full stop dropped (an abbreviation's kept: "… data lost, etc.")."""
    first = next(iter(sentences(text.strip())), "")
    if first.endswith("。"):
        return first[:-1]
    if first.endswith(".") and not first.endswith("..") and not _abbreviation(first, len(first) - 1, len(first)) \
            and _bare(first.rsplit(None, 1)[-1]) not in _MAY_END:
        return first[:-1]
    return first


def last_sentence(text: str) -> str:
    return next(reversed(sentences(text.strip())), "")
