"""The words that say what a section of a runbook is (a way back, success criteria, the window, settings,
people, tests, or material that is no step of this run), whatever its number or place in the document.

A heading is the strongest sign of a section's meaning, and a wrong reading is how rollback material ends up in
the forward path; the vocabularies live together so that one list decides each meaning for every reader."""

from __future__ import annotations

import re

from golive.plan.md_going_back import GOING_BACK_TITLE
from golive.plan.md_success import SUCCESS_TITLE

ROLLBACK_WORDS = re.compile(r"roll(?:ing|ed)?\s*-?\s*back|back(?:ing)?[\s-]*out|\brevert|\brestore|"
                            r"\bundo(?:ing)?\b|\babort\b|"
                            r"fall\s*-?back|"
                            r"\bif\b.{0,30}\b(breaks?|fails?|goes wrong|went wrong)\b|"
                            r"in case of (failure|problems|issues|trouble)|"
                            # the same in the other languages runbooks are written in (German, Spanish, Portuguese,
                            # French): "Rückfallplan", "Plan de reversión", "Plano de reversão", "Retour arrière"
                            r"r(ü|ue)ckfall|r(ü|ue)cksetz|zur(ü|ue)ck(roll|setz|fahr)|wiederherstell|"
                            r"revers(ión|ion|ão|ao)|revertir|reverter|marcha atr(á|a)s|vuelta atr(á|a)s|"
                            r"restaura(r|ción|cion|ção|cao|tion)|retour (en )?arri(è|e)re|plan de repli|"
                            # Italian and Dutch: "Piano di rientro", "Ripristino", "Tornare indietro", "Terugdraaien"
                            r"\brientro\b|ripristin|tornare indietro|terugdraai|terugval|terugrol|"
                            # Polish: "Wycofanie", "Plan wycofania", "Wycofanie zmian"
                            r"\bwycofani|"
                            # Turkish: "Geri dönüş", "Geri alma", "Geri dönüş planı", "Eski sürüme dönüş"
                            r"\bgeri\s+(?:d(?:ö|o)n|al(?:ma|ın|in)?\b)|eski\s+s(?:ü|u)r(?:ü|u)me\s+d(?:ö|o)n|"
                            # Japanese, Chinese, Korean: "切り戻し手順", "ロールバック", "回滚", "롤백"
                            r"切り?戻し|ロールバック|巻き戻し|回滚|回退|回滾|롤백|원복|"
                            # Russian, Ukrainian, Polish, Czech: "Откат", "План отката", "Возврат к 23.8",
                            # "Відкат", "Wycofanie", "Przywrócenie", "Návrat"
                            r"откат|відкат|возврат|повернення|przywr(ó|o)ceni|n(á|a)vrat\b|"
                            # a heading that asks whether it failed: "bad?", "broken?", "it went wrong?"
                            r"^\W*(if\s+)?((it\s+)?(is|goes|went|looks)\s+)?(bad|broken|wrong|failed|problems?)\W*\?\W*$"
                            # going back and failure branches in the other languages too: "If we have to go back",
                            # "Plan de regreso", "Si algo falla", "Wenn es schiefgeht" (golive.plan.md_going_back)
                            r"|" + GOING_BACK_TITLE.pattern, re.I)
#: A forward step that prepares the way back: "Step 2 — Save rollback config on the edge router", "Take a rollback
#: snapshot", "Create the restore point", "Rollback-Konfiguration sichern", "备份回滚配置". Its rollback word names what
#: is saved; the section is forward work (the level that uses it comes later), never a rollback level.
_PREPARES = re.compile(
    r"(?i)^\W*(?:(?:step|phase|stage|schritt|paso|etapa|[ée]tape|fase)\s*\d+[a-z]?\s*[—–:.)\-]+\s*|\d+(?:\.\d+)*[.)]?\s+)?"
    r"(?:save|saving|back\s*up|backing\s+up|take|taking|create|creating|prepare|preparing|record|capture|export|"
    r"copy|store|keep|write\s+down|note|stage|sichern|speichern|erstellen|guardar|salvar|sauvegarder|enregistrer|"
    r"preparar|preparer|pr[ée]parer)\b[^.:]{0,25}?"
    r"\b(?:roll\s*-?\s*back|back\s*-?\s*out|restore|fall\s*-?\s*back)[\s-]+(?:config\w*|point|snapshots?|images?|"
    r"cop(?:y|ies)|files?|state|info\w*|targets?|versions?|revisions?|packages?|bundles?|artifacts?|archives?|"
    r"points?|data)\b"
    r"|(?:sichern|speichern|erstellen)\s*$|^\W*(?:保存|备份|備份)")


def rollback_heading(low: str) -> bool:
    """A heading of rollback material ("Rollback", "Phase 6: Rollback Procedures", "Si algo falla"), never a forward
    step that saves what a rollback will need ("Save rollback config")."""
    return bool(ROLLBACK_WORDS.search(low)) and not _PREPARES.search(low)


SUCCESS_WORDS = SUCCESS_TITLE  # golive.plan.md_success, shared with the block reader
#: "## Deployment window: 02:00-04:00 CET": the window, not a phase timeboxed by its clock range.
WINDOW_HEADING = re.compile(r"\bwindow\b|^schedule\b|^when\b")
#: "## Environment", "## Config", "## Secrets", "## Umgebungsvariablen", "## Configuración": settings, not steps.
CONFIG_HEADING = re.compile(r"^\W*(env(ironment)?(\s+var(iable)?s?)?|config(uration)?|settings|variables|secrets|"
                             r"umgebung\w*|konfiguration|variablen|configuraci(ó|o)n|variables de entorno|"
                             r"configura(ç|c)(ã|a)o|vari(á|a)veis( de ambiente)?)\b")
#: A table of tests with their expected results ("| # | Test | Expected |", "| Test case | Expected result |").
TEST_HEADER = re.compile(r"(?:^|\| )tests?(?: cases?| steps?)? \|(?:.*\|)? (?:expected|expected result|"
                          r"expected outcome|pass if)(?: \||$)")
#: A section of tests to make after the change: a change ticket's "Test Plan", "Validation", "Testplan", "Plan de
#: pruebas", "Plan de test", "Plano de testes", "Piano di test".
TEST_PLAN = re.compile(r"^\W*(?:(?:post[\s-]?(?:implementation|deployment|change)\s+)?(?:test(?:ing|s)?|validation|"
                       r"verification|smoke[\s-]?tests?)(?:\s+(?:plan|steps|procedure|checks?|cases?))?|testplan|"
                       r"testf(?:ä|ae)lle|plan\s+de\s+(?:pruebas|tests?|validaci(?:ó|o)n)|plano\s+de\s+testes|"
                       r"piano\s+di\s+test)\W*$")
#: A paragraph "<short lead>: <criteria>" (the lead checked against SUCCESS_WORDS).
CRITERIA_SENTENCE = re.compile(r"^\W*([^:=.!?]{3,50}?)\s*[:=]\s+(\S.{5,})$")
#: A lead that is only the word: "**Done =** one leader and two replicas, ...", "Success: ...".
DONE_LEAD = re.compile(r"(?i)done|success|finished|complete")
#: Sections about people: who does what, who to call.
PEOPLE_HEADING = re.compile(r"contact|\bteam\b|\broles?\b|people|owners?\b|escalat|stakeholders|on-?call|\braci\b|"
                             r"responsibilit|who does what|^\W*who\W*$|\bwho(?:'s| is| are)? involved\b"
                             r"|who (?:to|do (?:i|we|you)|should (?:i|we|you)) (?:call|page|ring|phone|contact)|"
                             r"call (list|tree)|who'?s who|who is who|on the (call|bridge)|"
                             # German, Spanish, Portuguese, French: "Beteiligte", "Ansprechpartner", "Kontakte",
                             # "Rollen", "Eskalation", "Equipo", "Contactos", "Responsables", "Contatos", "Équipe"
                             r"beteiligte|ansprechpartner|kontakt|rollen\b|zust(ä|ae)ndig|eskalat|equipo|contactos|"
                             r"responsables|contatos|respons(á|a)veis|(é|e)quipe|intervenants|escalad|escalonamento|"
                             # Italian: "Referenti", "Persone coinvolte", "Ruoli", "Contatti", "Reperibilità"
                             r"referenti|persone|ruoli\b|contatti|reperibilit|chi fa cosa|"
                             # Portuguese/Spanish/French "Pessoas", "Personas", "Personnes"; a crew;
                             # Chinese, Japanese, Korean: "人员", "联系人", "角色", "体制", "担当者", "연락처", "담당자"
                             r"pessoas|personas|personnes|\bcrew\b|人员|人員|联系人|聯絡人|角色|体制|担当|연락처|담당자|역할")
#: Sections that hold lists but are not steps of this run (follow-ups, audits, reference material).
NOT_A_PHASE = re.compile(r"audit|compliance|continuous|improvement|maintenance|recovery|emergency|appendix|"
                         r"notes?\b|risk|reference|monitoring urls|lessons|metrics to track|faq|glossary|"
                         r"troubleshoot|known issues|changelog|history|review schedule|"
                         # an on-call page's alert responses (a pod delete, `logs -f`): not steps of the deploy
                         r"\balerts?\b|\balarms?\b|alerting|\bincidents?\b|dashboards?")
#: A quick action at the end of a GitLab or GitHub issue ("/label ~db", "/assign @ana", "/due 2026-12-09"): a command
#: to the tracker, never a success criterion or a step (a path such as "/health returns 200" is no quick action).
QUICK_ACTION = re.compile(r"^/(label|unlabel|relabel|assign|unassign|reassign|assign_reviewer|request_review|"
                          r"milestone|remove_milestone|due|remove_due_date|estimate|spend|weight|epic|iteration|"
                          r"close|reopen|title|cc|todo|done|lock|unlock|confidential|severity|health_status|"
                          r"link|relate|duplicate|approve|unapprove|merge|draft|ready|rebase|subscribe|"
                          r"unsubscribe|target_branch|parent_epic|type|promote|timeline|zoom|react|award)"
                          r"(\s|$)")
#: What a wiki export puts under the last section ("Attachments: a.ps1 (1 kB) · b.zip", "No labels", "Powered by
#: Confluence"): the page's furniture, never a success criterion.
PAGE_FOOTER = re.compile(r"(?i)^\W*(?:attachments?\s*(?:\(\d+\))?\s*:|no labels\b|labels?\s*:|powered by\b|"
                         r"like\s+be the first|page history\b|last (?:modified|updated|edited) (?:by|on)\b)")
