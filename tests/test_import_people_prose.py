"""Issue 14, people as set 4 of the blind runbooks showed them missed, each written here in other words: an
Italian role table, escalation written as prose ("first …, then …, and last …", "in primo luogo …, quindi …"),
an escalation decided in a list of agreed actions, an on-call row of a property table, a definition list of roles
(`Term` then `: definition`), and numbered contact lines whose role is no role word alone."""

from __future__ import annotations

from typing import Any

from golive.plan.importer import import_markdown
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n"


def ladder(plan: dict[str, Any]) -> list[list[str]]:
    return [e.get("people", []) for e in plan["contacts"]["escalation"]]


def test_italian_role_table_and_a_prose_ladder() -> None:
    plan = plan_of("# Rilascio Magazzino 3.1\n\n## Persone coinvolte\n\n"
                   "| Ruolo | Nominativo | Email |\n|---|---|---|\n"
                   "| Referente applicativo | Paolo Bianchi | paolo@example.it |\n"
                   "| Capo progetto (approva il Go/No-Go) | Sara Romano | sara@example.it |\n"
                   "| Sistemista di turno | Luca Moretti | luca@example.it |\n"
                   "| Collaudo | Elena Costa | elena@example.it |\n| Rete | Dario Gallo | dario@example.it |\n"
                   "| Basi dati | Irene Ricci | irene@example.it |\n\n"
                   "Responsabile del servizio: Ugo Fontana\n\n"
                   "Escalation: in primo luogo Luca Moretti, quindi Paolo Bianchi, da ultimo Sara Romano.\n" + RUN)
    assert plan["approvers"] == {"Referente applicativo": ["Paolo Bianchi"], "Capo progetto": ["Sara Romano"],
                                 "Sistemista di turno": ["Luca Moretti"], "Collaudo": ["Elena Costa"],
                                 "Rete": ["Dario Gallo"], "Basi dati": ["Irene Ricci"],
                                 "Responsabile del servizio": ["Ugo Fontana"]}
    assert ladder(plan) == [["Luca Moretti"], ["Paolo Bianchi"], ["Sara Romano"]]


def test_a_ladder_agreed_in_a_list_of_actions_with_first_names() -> None:
    plan = plan_of("# Billing 4.2 release\n\nPresent: Rhea Patel (release manager), Otto Lind (on-call SRE), "
                   "Mia Sato (DBA)\n\n## Agreed actions\n\n- **A1.** We ship on Friday.\n"
                   "- **A2.** Escalation tonight: Otto first, then Mia, and last Rhea.\n" + RUN)
    assert ladder(plan) == [["Otto Lind"], ["Mia Sato"], ["Rhea Patel"]]
    steps = [s for p in plan["phases"] for s in p.get("steps", [])]
    assert not any("Otto" in str(s) for s in steps)  # who to call is no step of the deploy
    # the same, written among the items of a phase: still who to call, never a step to confirm
    plan = plan_of("# Billing 4.2 release\n\nPresent: Rhea Patel (release manager), Otto Lind (on-call SRE), "
                   "Mia Sato (DBA)\n" + RUN + "- [ ] Tell #billing it is done\n"
                   "- Escalation after the release: Otto first, then Mia, and last Rhea.\n")
    assert ladder(plan) == [["Otto Lind"], ["Mia Sato"], ["Rhea Patel"]]
    steps = [s for p in plan["phases"] for s in p.get("steps", [])]
    assert not any("Otto" in str(s) for s in steps)  # who to call is no step of the deploy


def test_an_on_call_row_of_a_property_table_is_a_ladder() -> None:
    plan = plan_of("# Rel\n\n| Property | Value |\n|---|---|\n| OWNER | Nadia Haddad |\n"
                   "| PAGER | Ivo Marsh, then Nadia Haddad |\n| ON-CALL | Ivo Marsh, then Nadia Haddad, then Lee Wu |\n"
                   + RUN)
    assert ladder(plan) == [["Ivo Marsh"], ["Nadia Haddad"], ["Lee Wu"]]


def test_a_level_paragraph_saying_when_is_its_description_not_a_step() -> None:
    """"When: … The DBA decides." names a role, but says when to take the level: no manual step for the DBA."""
    plan = plan_of("# Rel\n\n| Role | Name |\n|---|---|\n| DBA | Kai Berg |\n" + RUN
                   + "\n## Rollback\n\n### Level 1 – Schema back\n\nWhen: the new column breaks reports. "
                   "The DBA decides.\n\n```bash\n./schema down 41\n```\n")
    level = plan["rollback"]["levels"][0]
    assert [list(s) for s in level["steps"]] == [["shell"]]
    assert "new column breaks reports" in level["description"]


def test_a_definition_list_of_roles() -> None:
    """Pandoc's `Term` then `:   definition`: the role and who holds it; a remark after a comma in the term (here:
    who holds the Go/No-Go) is a remark on the role, and the line numbers of the document stay as they are."""
    plan = plan_of("# Rel\n\n## Who\n\nService owner\n:   Noor Haddad (payments)\n\n"
                   "On-call lead, holds the go/no-go\n:   Tim Berger\n" + RUN
                   + "\n**Go/No-Go** once the ship is done.\n")
    assert plan["approvers"] == {"Service owner": ["Noor Haddad"], "On-call lead": ["Tim Berger"]}
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "On-call lead"}
    text = "# Rel\n\n## Who\n\nService owner\n:   Noor Haddad (payments)\n" + RUN
    assert "doc.md:11" in import_markdown(text, "doc.md").yaml_text  # `./ship --now` keeps its line


def test_a_numbered_contact_whose_role_is_a_verifier() -> None:
    plan = plan_of("# Rel\n\n## Contacts\n\n1. Implementer: Jon Ekberg\n2. Acceptance verifier: Olga Petrova "
                   "(claims desk)\n" + RUN)
    assert plan["approvers"] == {"Implementer": ["Jon Ekberg"], "Acceptance verifier": ["Olga Petrova"]}


def test_a_list_of_people_that_wraps_after_a_comma() -> None:
    plan = plan_of("# Rel\n\n**Attending:** Rui Costa (release manager), Ada Lind (DBA),\nPia Holm (service owner)\n"
                   "**Excused:** Bo Lee\n" + RUN)
    assert plan["approvers"] == {"release manager": ["Rui Costa"], "DBA": ["Ada Lind"], "service owner": ["Pia Holm"]}
