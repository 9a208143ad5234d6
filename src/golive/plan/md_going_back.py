"""Words that say a section is the way back, or only for when something went wrong.

Such a section is never forward steps: run on every run, "If we have to go back" restores a snapshot and
"Plan de regreso" drops the new column. Shared by the block reader (a bold line alone that says it stands as a
heading) and the importer (whose ROLLBACK_WORDS take these in).
"""

from __future__ import annotations

import re

#: Going back, in the languages runbooks are written in: "If we have to go back", "Going back", "Plan de regreso",
#: "Vuelta atrás", "Volver a 3.1", "Voltar para a versão anterior", "Retour arrière", "Rückabwicklung", "Zurück auf
#: 4.2", "Marcha atrás".
GOING_BACK = (r"\bgo(?:es|ing)?\s+back\b|\bback\s+to\s+(?:the\s+)?(?:old|previous|last\s+good)\b|"
              r"\bregres(?:o|ar|amos|ión|ion)\b|\bvolver\b|\bvolvemos\b|\bvoltar\b|\bretour\b|\brevenir\b|"
              r"r(?:ü|ue)ckabwickl|r(?:ü|ue)ckfall|\bzur(?:ü|ue)ck\b|marcha atr(?:á|a)s|vuelta atr(?:á|a)s|"
              r"revers(?:ión|ion|ão|ao|al)\b")

#: A heading that only holds for a condition: "If …", "In case …", "Should the upgrade fail", "Si …", "Falls …",
#: "Wenn …", "Au cas où …", "En caso de …", "Caso …", and Portuguese/Italian "Se …" when what follows is a failure
#: ("Se algo der errado", "Se fallisce": "Se despliega" is Spanish for "it is deployed").
CONDITIONAL = re.compile(
    r"(?i)^\W*(?:if|in\s+case|only\s+if|should\b.{0,60}\b(?:fail|go\s+wrong|break)|si|falls|wenn|sollte|"
    r"au\s+cas|en\s+cas|en\s+caso|caso|nel\s+caso|"
    r"se\b(?=.{0,40}\b(?:falh|d(?:er|é)\s+errado|errad|problem|fallis|va\s+male|volta)))\b")

#: A condition on a failure: "If it goes wrong", "Wenn es schiefgeht", "Si algo falla", "Se algo falhar", "En cas
#: d'échec", "Should the upgrade fail", "In case of trouble".
_FAILURE = (r"(?:\b(?:goes|go|went|going)\s+(?:wrong|bad(?:ly)?|south|sideways|awry)\b|\bfail|\bbreak|\bbroke|"
            r"schief|\bscheiter|fehlschl|\bfall(?:a|e|an|o|ó|ar|ido)\b|\bfalh|d(?:er|é)\s+errado|\bsale\s+mal\b|(?:é|e)chec|"
            r"(?:é|e)choue|probl(?:è|e)m|trouble|\bfallisce\b|va\s+male|\bissues?\b|\bbad\b)")
CONDITIONAL_FAILURE = CONDITIONAL.pattern.replace("(?i)^", "^", 1) + r".{0,60}?" + _FAILURE

#: Every title that says the section is rollback material (for the importer's ROLLBACK_WORDS).
GOING_BACK_TITLE = re.compile(
    GOING_BACK + "|" + CONDITIONAL_FAILURE + r"|^\W*should\b.{0,60}\b(?:fail|go\s+wrong|break)", re.I)


def going_back_heading(text: str) -> bool:
    """The title of a section (a heading, or a bold line standing as one) that is rollback material."""
    return bool(GOING_BACK_TITLE.search(text))


def conditional_heading(text: str) -> bool:
    """The title of a section that only holds under a condition ("If the lag is over 10 s"): never forward steps."""
    return bool(CONDITIONAL.match(text))
