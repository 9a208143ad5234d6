"""An instruction that reached only a phase's description is not placed (issue 14, blind set 12: 7 of 44 meaning
changes were instructions kept only in a description, which `golive run` never shows, and 3 were stated outputs
nobody compared). Such a paragraph becomes a person's step at its place, showing its words as written; narrative
(why, what a command does) stays in the description.

Documents written for these tests, in English and in the languages the set used (Dutch, Turkish, Korean)."""

from __future__ import annotations

from importforms import doc_manual, plan_of

DOC = """# Release ledger 4.2

## 1. Backup

```bash
ledger-ctl backup --now
```

Copy the backup id it prints into the #ops channel. Level 2 needs it.

The backup takes about five minutes because the ledger is large.

## 2. Migrate

```bash
ledger-ctl migrate --dry-run
```

The dry run prints what it would apply; it must list 0042_add_index.sql and nothing else.

```bash
ledger-ctl migrate
```

Admin console → Jobs → "Reindex" → Run now. (UI only.)

## 3. Checks

```bash
ledger-ctl versions
```

Alle drie de regels moeten 4.2 tonen.

```bash
ledger-ctl sync-status
```

Synced 와 Healthy 가 나와야 합니다.

```bash
ledger-ctl schema --pretend
```

Çıktıda DROP geçmemeli.

## Rollback

### Level 1

```bash
ledger-ctl rollback
```
"""

ASKED = ["Copy the backup id it prints into the #ops channel. Level 2 needs it.",
         "it must list 0042_add_index.sql and nothing else",
         'Admin console → Jobs → "Reindex" → Run now.',
         "Alle drie de regels moeten 4.2 tonen.",
         "Synced 와 Healthy 가 나와야 합니다.",
         "Çıktıda DROP geçmemeli."]


def _descriptions(plan: dict[str, object]) -> str:
    return "\n".join(str(p.get("description", "")) for p in plan["phases"])  # type: ignore[attr-defined]


def test_asking_sentences_leave_the_description_for_a_persons_step() -> None:
    manual, described = doc_manual(DOC), _descriptions(plan_of(DOC))
    for words in ASKED:
        assert words in manual, words
        assert words not in described, words


def test_persons_step_stands_at_its_place_after_the_block_it_reads() -> None:
    steps = plan_of(DOC)["phases"][1]["steps"]
    kinds = ["manual" if "manual" in s else "run" for s in steps]
    texts = [str(s) for s in steps]
    at = next(i for i, t in enumerate(texts) if "nothing else" in t)
    assert kinds[at] == "manual"
    assert "--dry-run" in texts[at - 1] and "ledger-ctl migrate'" not in texts[at - 1]
    assert any("ledger-ctl migrate" in t and "--dry-run" not in t for t in texts[at + 1:])


def test_narrative_stays_in_the_description() -> None:
    assert "about five minutes because the ledger is large" in _descriptions(plan_of(DOC))
    assert "about five minutes" not in doc_manual(DOC)
