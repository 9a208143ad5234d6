"""An instruction written in prose that no block carries out ("Repeat steps 3–5 for brokers 2–6", "Repeat the
install section on billing-vm-2", "Same for 50 and 100", "Run level 1 first", "Do the same on wk-2") is a person's
step where it stands, quoting the document (and what it repeats), never dropped and never only a description.
Explanation, prohibitions, expectations, triggers and options stay words (no flood of person's steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_instructions import imperative, section_words, step_numbers, strong

HERE = Path(__file__).parent


def plan(text: str, name: str = "rollout.md") -> tuple[dict[str, Any], list[str]]:
    result = import_markdown(text, name)
    parse_plan_text(result.yaml_text)
    return result.data, result.summary


def phase(data: dict[str, Any], fragment: str) -> dict[str, Any]:
    return next(p for p in data["phases"] if fragment in p["name"])


def manuals(steps: list[Any]) -> list[str]:
    return [str(st["manual"]["instruction"]) for st in steps if "manual" in st]


ROLLOUT = """# Web 4.2 rollout

## 1. Prepare

```bash
./precheck.sh
```

## 2. Web-1

**Step 3.** Drain web-1:

```bash
lbctl drain web-1
```

**Step 4.** Install the release:

```bash
ssh web-1 sudo apt-get install -y web=4.2
```

**Step 5.** Put it back:

```bash
lbctl enable web-1
```

The install takes about two minutes.

## 3. Web-2 to web-4

Repeat steps 3–5 for web-2, web-3 and web-4, one at a time.

## 4. Workers

1. Deploy the worker on wk-1:

   ```bash
   ssh wk-1 ./deploy-worker.sh
   ```

   Do the same on wk-2 and wk-3.

2. Restart the scheduler.

## Rollback

### Level 1 — previous release

```bash
./deploy.sh 4.1
```

### Level 2 — restore the database

Only if data is damaged. Run level 1 first.

```bash
pg_restore --clean -d web /backups/web.dump
```
"""


def test_a_section_that_only_repeats_steps_is_a_phase_quoting_them() -> None:
    data, summary = plan(ROLLOUT)
    steps = phase(data, "Web-2 to web-4")["steps"]
    assert len(steps) == 1 and "manual" in steps[0]
    said = steps[0]["manual"]["instruction"]
    assert said.startswith("Repeat steps 3–5 for web-2, web-3 and web-4")
    for cmd in ("lbctl drain web-1", "apt-get install -y web=4.2", "lbctl enable web-1"):
        assert cmd in said  # what to repeat, from the document's steps 3, 4 and 5
    assert "./precheck.sh" not in said
    assert any("asks a person for work no block does" in s and "quoting what it repeats" in s for s in summary)


def test_a_repeat_inside_a_numbered_item_is_a_step_after_the_items_block() -> None:
    data, _summary = plan(ROLLOUT)
    steps = phase(data, "Workers")["steps"]
    at = next(i for i, st in enumerate(steps) if "wk-1" in str(st.get("shell", "")))
    assert "manual" in steps[at + 1]
    assert steps[at + 1]["manual"]["instruction"] == "Do the same on wk-2 and wk-3."


def test_an_order_between_levels_is_the_levels_first_step() -> None:
    data, _summary = plan(ROLLOUT)
    level = next(lv for lv in data["rollback"]["levels"] if lv["level"] == 2)
    # golive's `first:` where the plan can say it (golive.plan.importer.level_first reads the person's step),
    # else the person's step itself, before the restore
    if level.get("first") != [1]:
        assert level["steps"][0]["manual"]["instruction"] == "Run level 1 first."
    assert "pg_restore" in str(level["steps"][-1])
    assert level["when"] == "Only if data is damaged"  # the condition stays the level's


SECTION = """# Billing 3.0

## Install the package

```bash
sudo apt-get install -y billing-api=3.0.0-1
sudo systemctl restart billing-api
```

## Cut over

```bash
lbctl enable billing-vm-1
lbctl drain billing-vm-2
```

Repeat the install section on `billing-vm-2`, then enable it:

```bash
lbctl enable billing-vm-2
```
"""


def test_a_repeat_of_a_section_stands_before_the_block_and_quotes_the_section() -> None:
    data, _summary = plan(SECTION)
    steps = phase(data, "Cut over")["steps"]
    at = next(i for i, st in enumerate(steps) if "manual" in st)
    said = steps[at]["manual"]["instruction"]
    assert said.startswith("Repeat the install section on billing-vm-2")
    assert "then enable it" not in said  # that is the block's own work
    assert "apt-get install -y billing-api=3.0.0-1" in said and "'Install the package'" in said
    assert "enable billing-vm-2" in str(steps[at + 1])


EACH = """# Gateway 3.8

## Rolling deploy

Repeat for each node pgw-01, pgw-02, pgw-03, one at a time:

```bash
NODE=pgw-01
lbctl drain "$NODE"
ssh "$NODE" 'sudo dnf install -y pgw-3.8.0'
```

## Static files

```bash
ssh web-1 ./collectstatic.sh
```

Same on `web-2`:

```bash
ssh web-2 ./collectstatic.sh
```
"""


def test_a_repeat_of_the_block_it_introduces_stands_after_that_block() -> None:
    data, _summary = plan(EACH)
    steps = phase(data, "Rolling deploy")["steps"]
    assert "NODE=pgw-01" in str(steps[0])
    assert steps[1]["manual"]["instruction"].startswith("Repeat for each node pgw-01, pgw-02, pgw-03")
    # "Same on web-2:" over a block that runs on web-2: the block is the repeat, no person's step
    assert manuals(phase(data, "Static files")["steps"]) == []


LANGS = {
    "de": ("Schritt", "Schritte 1 bis 2 auf web-2 wiederholen."),
    "fr": ("Étape", "Répéter les étapes 1 à 2 sur web-2."),
    "es": ("Paso", "Repetir los pasos 1 a 2 en web-2."),
    "it": ("Passo", "Ripetere i passi 1 e 2 su web-2."),
    "ja": ("手順", "手順１～２を web-2 でも繰り返す。"),
}


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_repeats_in_other_languages_are_steps_quoting_the_steps(lang: str) -> None:
    word, sentence = LANGS[lang]
    doc = (f"# Release\n\n## Web-1\n\n**{word} 1.** web-1:\n\n```bash\nlbctl drain web-1\n```\n\n"
           f"**{word} 2.** web-1:\n\n```bash\nssh web-1 ./install.sh\n```\n\n{sentence}\n")
    data, _summary = plan(doc)
    said = manuals(phase(data, "Web-1")["steps"])
    assert len(said) == 1 and said[0].startswith(sentence.rstrip("。."))
    assert "lbctl drain web-1" in said[0] and "ssh web-1 ./install.sh" in said[0]


GATE = """# Release

## Deploy

```bash
./deploy.sh 2.0
```

**Go/No-Go:** Dana decides after the smoke test.

Then repeat the smoke test on web-2 and post the result in #ops.

## Rollback

### Level 1 — back

The old clients only know redis-01, so do this before Level 2:

```bash
./deploy.sh 1.9
```

### Level 2 — data

```bash
pg_restore --clean -d app /backups/app.dump
```
"""


def test_repeats_around_gates_and_in_a_levels_lead_are_kept() -> None:
    data, _summary = plan(GATE)
    deploy = phase(data, "Deploy")
    assert any("repeat the smoke test on web-2" in m for m in manuals(deploy["steps"]))
    assert "Dana decides" in str(deploy.get("gate", {}).get("description", "")) + str(manuals(deploy["steps"]))
    level = next(lv for lv in data["rollback"]["levels"] if lv["level"] == 1)
    assert level["steps"][0]["manual"]["instruction"].endswith("so do this before Level 2")
    assert "./deploy.sh 1.9" in str(level["steps"][1])


EXPLANATION = [
    "The stop takes 1–3 minutes; controlled shutdown moves leadership away first.",
    "Do not run `kafka-configs --alter` tonight.",
    "Never open a console without --sandbox during the slot.",
    "Expected: 0.",
    "Roll back if the error rate goes above 2% for 5 minutes.",
    "If you want to see it, follow the log in a second terminal.",
    "Hold 15 minutes at each stage and watch the 5xx rate.",
    "`deploy:rollback` points `current` at the previous release; it does not roll the database back.",
    "Nicht in Produktion ausführen: `zv-admin reset-limits --all` setzt alle Tageslimits zurück.",
    "Les nouvelles colonnes ne gênent pas la version 3.9.",
    "確認：inactive と表示されること。",
    "Both replicas must be state=online with lag at most 1.",
    "Stop and roll back (R1) if the 5xx count goes above 1% of requests.",
    "If it stops half way, do not run it a second time blindly.",
    "Run it inside tmux if you want to keep it through a dropped VPN.",
]


@pytest.mark.parametrize("sentence", EXPLANATION)
def test_explanation_stays_words(sentence: str) -> None:
    doc = f"# Release\n\n## Deploy\n\n```bash\n./deploy.sh 2.0\n```\n\n{sentence}\n"
    data, _summary = plan(doc)
    assert manuals(phase(data, "Deploy")["steps"]) == []
    assert not imperative(sentence)


def test_a_leads_imperative_is_its_blocks_work_not_a_step() -> None:
    doc = ("# Release\n\n## Broker 1\n\n**Step 4.** Stop, switch the install, start. This runs on the broker:\n\n"
           "```bash\nssh kafka-1 sudo systemctl restart kafka\n```\n\nEdit the limits on kafka-1:\n\n"
           "```bash\nssh kafka-1 sudo sed -i s/400/800/ /etc/kafka/limits\n```\n")
    data, _summary = plan(doc)
    assert manuals(phase(data, "Broker 1")["steps"]) == []


def test_the_words_that_make_an_instruction() -> None:
    assert strong("Repeat steps 3–5 for brokers 2–6.")
    assert strong("Same for 50 (all four at 50) and 100.")
    assert strong("Do the same for eu-west-1.") and strong("Run it again with 50 instead of 10.")
    assert strong("Run level 1 first.") and strong("so do this before Level 1:")
    assert strong("Zuerst Rückfallebene 1 ausführen.") and strong("手順３～５を繰り返す。")
    assert not strong("Do not repeat the migration.")
    assert imperative("Edit /etc/x.conf and set max_conn to 400.")
    assert imperative("Skip this if the cache is already warm.")
    assert imperative("Wait until the queue is empty.") and imperative("Prüfen Sie die Logs.")
    assert imperative("Vérifier le tableau de bord.") and imperative("DBA が確認する。")
    assert step_numbers("Repeat steps 3–5") == [3, 4, 5]
    assert step_numbers("steps 2 and 4") == [2, 4]
    assert section_words("Repeat the install section on vm-2") == ["install"]


SET7 = HERE / "import_unseen7"


def test_set7_kafka_brokers_2_to_6_are_not_dropped() -> None:
    path = SET7 / "01_kafka_rolling_restart.md"
    data, _summary = plan(path.read_text(encoding="utf-8"), path.name)
    said = manuals(phase(data, "Brokers 2–6")["steps"])
    assert len(said) == 1 and "Repeat steps 3–5 for brokers 2–6" in said[0]
    for cmd in ("kafka-topics.sh", "ssh kafka-1.prod-eu.internal <<'EOF'", "until ["):
        assert cmd in said[0]
    names = [p["name"] for p in data["phases"]]
    assert names.index("Brokers 2–6") == names.index("Broker 1 (steps 3–5)") + 1


def test_set7_hugo_repeats_the_install_on_vm2_before_enabling_it() -> None:
    path = SET7 / "08_hugo_docs_page.md"
    data, _summary = plan(path.read_text(encoding="utf-8"), path.name)
    steps = phase(data, "Cut over")["steps"]
    at = next(i for i, st in enumerate(steps) if "manual" in st and "install section" in st["manual"]["instruction"])
    assert "billing-vm-2/enable" in str(steps[at + 1])
    assert "sudo dnf install -y billing-api-3.0.0-1.el9" in steps[at]["manual"]["instruction"]


def test_set7_redis_later_stages_quote_the_documents_numbers() -> None:
    path = SET7 / "06_redis_sentinel_haproxy.md"
    data, _summary = plan(path.read_text(encoding="utf-8"), path.name)
    said = manuals(phase(data, "Shift traffic")["steps"])
    stage = [m for m in said if m.startswith("Move traffic to 50%")]
    assert stage and "all four at 50" in stage[0]
    assert not any("in place of" in m for m in said)  # app1/app2 are not left at 90
    assert sum("Same for 50" in m for m in said) == 2  # quoted by the 50% and 100% steps, not a third time


def test_set4_a_repeat_done_by_a_canary_is_no_persons_step() -> None:
    path = HERE / "import_unseen4" / "04_italiano_haproxy.md"
    data, summary = plan(path.read_text(encoding="utf-8"), path.name)
    assert not any("da ripetere" in m for p in data["phases"] for m in manuals(p["steps"]))
    assert any("done by the step that took the block's place" in s for s in summary)


ITEMS = """# Release

## 1. Web-1

1. Drain web-1: `lbctl drain web-1`
2. Install: `ssh web-1 ./install.sh`

**Step 3.** Check it:

```bash
curl -fsS http://web-1/health
```

## 2. The others

- [ ] Repeat step 3 on web-2
- [ ] Repeat steps 1–2 on web-2
"""


def test_a_checklist_item_that_repeats_a_step_quotes_it_and_never_a_wrong_one() -> None:
    data, _summary = plan(ITEMS)
    first, second = manuals(phase(data, "The others")["steps"])
    assert first.startswith("Repeat step 3 on web-2\n") and "curl -fsS http://web-1/health" in first
    # "1." and "2." are a list's items and the sections' numbers: nothing the document calls step 1 or 2
    assert second == "Repeat steps 1–2 on web-2"
