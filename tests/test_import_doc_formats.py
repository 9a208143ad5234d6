"""Whole documents in another format were refused ("no deployment steps found"): raw AsciiDoc and a Jupyter
notebook exported to Markdown. Each is read as the Markdown it means, line for line, and what it means is kept:
AsciiDoc's `{attr}` is the header's value (an undefined one never runs with its braces), a `\\ # <1>` callout no
longer ends a continued command; a notebook's `%%bash` cell is bash without its magic, `%%sql` is SQL, `!` lines are
shell, a `!` line with the kernel's `{var}` and a Python cell are a person's, outputs never run, and no shell state
crosses cells (each is a process of its own)."""

from __future__ import annotations

from typing import Any

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

ADOC = """= Billing 2.1 upgrade

:ns: billing
:chart: 7.4.0
:toc: left

.People
****
Approver:: Mei Tanaka
****

== Prepare

[source,bash,subs="attributes+"]
----
kubectl -n {ns} get pods # <1>
----
<1> All pods must be Running.

== Upgrade

.Helm
[source,bash]
----
helm upgrade billing acme/billing \\
  --namespace {ns} \\
  --version {chart} \\ # <1>
  --set image.tag={tag} \\
  --atomic // <2>
----
<1> The chart with the new budget.

NOTE: Do not scale the worker to 0.

== Rollback

[source,sh]
----
helm -n {ns} rollback billing 0 --wait
----
"""

NOTEBOOK = """# Ops notebook: ledger 3.0

*Exported with `jupyter nbconvert --to markdown`.*

## 1. Setup

```python
import os
VERSION = "3.0.0"
```

## 2. Deploy

```python
%%bash
set -euo pipefail
cd /srv/ledger
./bin/deploy --tag v3.0.0
```

    deploying... done

```python
!sudo systemctl restart ledger
!./bin/check
```

```python
%%sql postgresql://ops@db/ledger
SELECT count(*) FROM ledger WHERE state = 'stuck';
```

    count
    -----
    0

```python
!echo "deployed {VERSION}" | ./bin/notify
```

```python
for i in range(3):
    print(i)
```
"""


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in data["phases"] for s in p["steps"]] + [
        s for lv in (data.get("rollback") or {}).get("levels", []) for s in lv["steps"]]


def _text(step: dict[str, Any]) -> str:
    for kind in ("shell", "sql", "manual"):
        body = step.get(kind)
        if body is not None:
            return str(body if isinstance(body, str) else body.get("command") or body.get("query")
                       or body.get("instruction"))
    return ""


def test_asciidoc_imports_with_its_attributes_and_whole_continuations() -> None:
    res = import_markdown(ADOC, "upgrade.md")
    parse_plan_text(res.yaml_text, "x")
    assert [p["name"] for p in res.data["phases"]][:2] == ["Prepare", "Upgrade"]
    texts = [_text(s) for s in _steps(res.data)]
    helm = next(t for t in texts if "helm upgrade" in t)
    assert "--namespace billing \\\n  --version 7.4.0 \\\n" in helm and "--atomic" in helm and "<1>" not in helm
    assert not any("{ns}" in t or "{chart}" in t or "{tag}" in t or "# <" in t for t in texts), texts
    assert "TAG" in res.data["vars"]  # undefined {tag}: a placeholder to fill in, never the braces
    assert any("helm -n billing rollback" in _text(s) for s in res.data["rollback"]["levels"][0]["steps"])
    assert any("AsciiDoc" in s for s in res.summary)


def test_notebook_cells_run_as_what_they_are() -> None:
    res = import_markdown(NOTEBOOK, "nb.md")
    parse_plan_text(res.yaml_text, "x")
    steps = _steps(res.data)
    kinds = [(next(iter(s.keys() & {"shell", "sql", "manual"})), _text(s)) for s in steps]
    shell = [t for k, t in kinds if k == "shell"]
    assert any(t.startswith("set -euo pipefail\ncd /srv/ledger") for t in shell), kinds
    assert not any("%%" in t or t.lstrip().startswith("!") or "\n!" in t for t in shell), shell
    assert any("sudo systemctl restart ledger" in t for t in shell)
    # no cell's cd reaches another cell: each runs in a process of its own
    assert not any("cd /srv/ledger" in t for t in shell if "systemctl restart" in t)
    assert any(k == "sql" and "stuck" in t and "%%sql" not in t for k, t in kinds)
    manual = [t for k, t in kinds if k == "manual"]
    assert any('!echo "deployed {VERSION}"' in t for t in manual)
    assert any("for i in range(3)" in t for t in manual)
    assert not any("deploying... done" in t for _k, t in kinds)


ONLY_HE = """# Invoices 7.0

## 1. Deploy

```bash
sudo systemctl restart invoices
```

## Rollback

Restore the `invoices` table from the 06:30 snapshot. Henrik decides, only he can do it:

```bash
pg_restore --clean --table=invoices -d "$INVOICES_DSN" /backups/invoices-0630.dump
```
"""


def test_a_block_only_one_person_may_run_is_theirs_in_a_rollback_level_too() -> None:
    res = import_markdown(ONLY_HE, "only.md")
    steps = [s for lv in res.data["rollback"]["levels"] for s in lv["steps"]]
    restore = [s for s in steps if "pg_restore" in _text(s)]
    assert restore and all("manual" in s for s in restore), steps


CHAT = """# #deploy-ledger — thread export

**Ana Souza** 8:02 PM
Plan for tonight, I'm driving.

Step 1 — pre-checks:
```
kubectl -n ledger get pods
```

Step 2 — roll:
```
kubectl -n ledger set image deploy/ledger api=registry.acme.io/ledger:v5.0.0
```

:eyes: 2

---

**Kofi Mensah** 8:05 PM
bump the pool by hand first:
```
kubectl -n ledger edit configmap ledger-config
```

**Ana Souza** 8:09 PM
correction: use v5.0.1 for step 2, 5.0.0 has the leak.
_(edited)_

**Kofi Mensah** 8:12 PM
if it goes bad the way back is
```
kubectl -n ledger rollout undo deploy/ledger
```
"""


def test_a_chat_thread_imports_and_a_later_edit_wins() -> None:
    res = import_markdown(CHAT, "chat.md")
    parse_plan_text(res.yaml_text, "x")
    phases = {p["name"]: p for p in res.data["phases"]}
    assert "Step 1 — pre-checks" in phases
    roll = phases["Step 2 — roll"]["steps"]
    # the image as first written never runs: a person's step shows it with the later change
    assert all("manual" in s for s in roll) and "v5.0.1" in _text(roll[0]) and "v5.0.0" in _text(roll[0])
    forward = [_text(s) for p in res.data["phases"] for s in p["steps"] if "shell" in s]
    assert not any("rollout undo" in t or "edit configmap" in t for t in forward), forward
    undo = [_text(s) for lv in res.data["rollback"]["levels"] for s in lv["steps"]]
    assert any("rollout undo" in t for t in undo)
    assert any("chat thread export" in s for s in res.summary)


def test_a_document_with_commands_and_no_structure_still_imports() -> None:
    text = ("# Restart the cache\n\nOn the bastion, as yourself.\n\n```bash\nsudo systemctl restart redis\n```\n\n"
            "Then check it answers:\n\n```bash\nredis-cli ping\n```\n")
    res = import_markdown(text, "bare.md")
    parse_plan_text(res.yaml_text, "x")
    shell = [_text(s) for s in _steps(res.data)]
    assert shell == ["sudo systemctl restart redis", "redis-cli ping"], shell
    assert any("one phase 'Steps'" in s for s in res.summary)


def test_a_document_with_no_commands_is_still_refused() -> None:
    import pytest

    from golive.errors import PlanError

    with pytest.raises(PlanError, match="no deployment steps found"):
        import_markdown("# Notes\n\nNothing to run here.\n", "notes.md")


def test_a_notebook_cd_line_never_reaches_the_next_line() -> None:
    text = NOTEBOOK.replace("!sudo systemctl restart ledger\n!./bin/check", "!cd /srv/ledger\n!./bin/check")
    res = import_markdown(text, "nb.md")
    kinds = [(next(iter(s.keys() & {"shell", "sql", "manual"})), _text(s)) for s in _steps(res.data)]
    assert not any(k == "shell" and "./bin/check" in t for k, t in kinds), kinds
    assert any(k == "manual" and "!cd /srv/ledger" in t for k, t in kinds)


def test_asciidoc_leaves_a_programs_own_braces_in_single_quotes() -> None:
    text = ADOC.replace("kubectl -n {ns} get pods # <1>",
                        "kubectl -n {ns} get pods -o json | jq '{name}' # <1>")
    res = import_markdown(text, "upgrade.md")
    first = _text(res.data["phases"][0]["steps"][0])
    assert "kubectl -n billing get pods -o json | jq '{name}'" in first and "NAME" not in res.data["vars"]


def test_a_notebook_section_of_python_cells_is_a_phase_of_a_persons_steps() -> None:
    res = import_markdown(NOTEBOOK, "nb.md")
    setup = next(p for p in res.data["phases"] if p["name"] == "1. Setup")
    assert [next(iter(s.keys() & {"shell", "manual"})) for s in setup["steps"]] == ["manual"]
    assert 'VERSION = "3.0.0"' in _text(setup["steps"][0])
