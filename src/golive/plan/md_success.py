"""Words that say a section holds the success criteria: how the team knows the change worked.

Teams title it many ways ("Success criteria", "Definition of done", "Done means", "It worked if", "We know it
worked when", "**Looks good when**", "Q: How do we know it worked?", "Criteri di accettazione"). Read as anything
else, the criteria become steps of the phase or level above them, or are lost. Shared by the block reader (a bold
line alone that says it stands as a heading) and the importer (importer.headings.SUCCESS_WORDS).
"""

from __future__ import annotations

import re

#: Matched against the lowered title.
SUCCESS_TITLE = re.compile(
    r"(success|pass|passing|completion) (criteria|metrics|conditions)|definition of done|"
    r"acceptance criteria|exit criteria|(what )?(success|done) looks like|"
    r"verification criteria|done when|success (is|means)|expected (results|outcome)|"
    # the word alone: "## Success", "Acceptance" (a setext heading), "## Done"
    r"^\W*(success|acceptance|done)\W*$|"
    r"\bdone (means|is|if)\b|"
    # "It worked if", "We know it worked when", "How do we know it worked?", "Looks good when", "Accepted when"
    r"\b(it|this|that|we)\s+(worked|works|succeeded|is (done|good|complete|successful))\s+(if|when)\b|"
    r"\bwe know (it|this|that) (worked|succeeded|is done)\b|"
    r"\bhow (do|will|can|would|should) (we|i|you) (know|tell)\b.{0,40}\b(work|succe|done|good|ok|fine)|"
    r"\blooks? (good|ok|healthy|right|fine) (if|when)\b|\b(accepted|successful|complete) (if|when)\b|"
    # German, Spanish, Portuguese, French, Italian, Dutch, singular and plural
    r"erfolgskriteri|abnahmekriteri|akzeptanzkriteri|\bfertig,? wenn\b|\berfolgreich,? wenn\b|"
    r"criterios? de (é|e)xito|criterios? de aceptaci(ó|o)n|\bfuncion(ó|o) si\b|sabemos que funcion|"
    r"crit(é|e)rios? de (sucesso|(ê|e)xito|aceita(ç|c)(ã|a)o)|"
    r"crit(è|e)res? d['e ]\s*(succ(è|e)s|r(é|e)ussite|acceptation)|"
    r"criteri (di )?(successo|accettazione|riuscita|collaudo)|\bfunziona se\b|"
    r"acceptatiecriteri|succescriteri|"
    # Polish: "Kryteria sukcesu", "Kryteria akceptacji", "Kryteria odbioru"
    r"kryteri(a|um) (sukcesu|akceptacji|odbioru)", re.I)


def success_title(text: str) -> bool:
    """True when a title says its section holds the success criteria."""
    return SUCCESS_TITLE.search(text.lower()) is not None
