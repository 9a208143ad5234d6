"""A forward paragraph that names the way back ("It can be undone with `x`") is the undo of the step before it:
made a step of its own, it ran right after the change and undid it during the deploy (seen on unseen runbooks)."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Wallet release

## Phase 1: Migrate

```bash
ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:up'
```

It can be undone with `ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:down'`.

## Phase 2: Flags

If it has to go back: `./flags.sh off wallet-limits`.

```bash
./flags.sh on wallet-limits
```
"""


def test_a_named_way_back_is_an_undo_never_a_forward_step() -> None:
    result = import_markdown(DOC, "wallet.md")
    plan = parse_plan_text(result.yaml_text, "wallet.yaml")
    forward = [step for phase in plan.phases for step in phase.steps]
    commands = [getattr(getattr(s, "shell", None), "command", "") for s in forward]
    assert not any("migrate:down" in c or "flags.sh off" in c for c in commands), commands
    first = plan.phases[0].steps[0]
    assert first.undo is not None and "migrate:down" in first.undo.shell.command  # type: ignore[attr-defined]
    # nothing before it in phase 2 to undo: kept as words, not run
    assert "flags.sh off" in (plan.phases[1].description or "")
