"""The typed event catalogue: parsing keeps what is stored, old and unknown payloads still read, the docs are
generated from the models, and step ids are parsed in one place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.core import events as ev
from golive.core.events_doc import render
from golive.core.stepid import StepId
from golive.engine.state import fold
from golive.store.base import Event
from golive.store.chain import GENESIS, canonical_json, event_hash

DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"


def test_docs_events_md_is_generated_from_the_models() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/events.md is stale: run `python -m golive.core.events_doc --write`")


def test_every_model_is_in_the_union_and_the_doc() -> None:
    text = render()
    assert len(set(ev.BY_TYPE)) == len(ev.KNOWN)
    for model in ev.KNOWN:
        assert f"| `{ev.type_of(model)}` |" in text
        assert model.__doc__, f"{model.__name__} needs a docstring: it is the 'written when' column"


def _event(seq: int, type: str, payload: dict[str, object], prev: str = GENESIS) -> Event:
    body = canonical_json(payload)
    ts = f"2026-01-01T00:00:{seq:02d}+00:00"
    return Event("r1", seq, ts, type, body, prev, event_hash("r1", seq, ts, type, body, prev))


def test_parsing_keeps_the_payload_as_stored() -> None:
    payload = {"step": "2.3", "status": "failed", "duration": 5, "exit_code": 7, "later_field": {"x": [1, 2]}}
    e = _event(1, "step.finished", payload)
    data = e.data
    assert isinstance(data, ev.StepFinished)
    assert data.step == "2.3" and data.step.section == "phase" and data.duration == 5
    assert isinstance(data.duration, int)  # a number reads back as written
    assert data.payload() == payload  # extras kept, no defaults added
    assert e.payload_json == canonical_json(payload)  # what is hashed is untouched
    assert e.data is data  # parsed once


def test_old_and_unknown_payloads_still_read() -> None:
    # a step.started from before `attempt` existed; a type this version does not know; a payload its model refuses
    old = _event(1, "step.started", {"step": "1.1", "title": "t"})
    assert isinstance(old.data, ev.StepStarted) and old.data.attempt == 1
    unknown = _event(2, "lease.renewed", {"holder": "h"})
    assert isinstance(unknown.data, ev.OtherEvent) and unknown.data.payload() == {"holder": "h"}
    refused = _event(3, "run.finished", {"outcome": "exploded"})
    assert isinstance(refused.data, ev.OtherEvent)


def test_fold_ignores_what_it_does_not_know() -> None:
    plan = {"name": "p", "service": "s", "environment": "e", "phases": [{"name": "one", "steps": ["true"]}]}
    evs = [_event(1, "run.created", {"plan": plan, "initiator": "ann"}),
           _event(2, "lease.renewed", {"holder": "h"}),
           _event(3, "run.started", {})]
    st = fold(evs)
    assert st.status == "running" and st.initiator == "ann" and st.last_seq == 3
    assert st.plan.phases[0].name == "one"
    assert st.plan is st.plan  # validated once


def test_body_checks_a_payload_against_its_model() -> None:
    assert ev.body(ev.GateApproved, phase=1, by="bob", reason="ok") == {"phase": 1, "by": "bob", "reason": "ok"}
    with pytest.raises(ValueError):
        ev.body(ev.GateApproved, phase="first", by="bob")


@pytest.mark.parametrize(("text", "section", "group", "item"), [
    ("2.3", "phase", 2, 3), ("2.3.undo", "undo", 2, 3), ("2.gate.1", "gate", 2, 1), ("L3.1", "level", 3, 1),
    ("criterion.4", "criterion", 4, 0), ("x.y", None, 0, 0), ("2.3.undo.undo", None, 0, 0),
])
def test_step_ids_parse(text: str, section: str | None, group: int, item: int) -> None:
    sid = StepId(text)
    assert (sid.section, sid.group, sid.item) == (section, group, item)
    assert sid == text and json.dumps({"id": sid}) == json.dumps({"id": text})


def test_step_ids_format_and_relate() -> None:
    assert StepId.step(2, 3) == "2.3" and StepId.gate(2, 1) == "2.gate.1"
    assert StepId.level(3, 1) == "L3.1" and StepId.criterion(2) == "criterion.2"
    assert StepId.step(2, 3).undo() == "2.3.undo" and StepId("2.3.undo").undoes() == "2.3"
    assert StepId("2.3").undoes() is None and StepId("2.3.undo").forward() == "2.3"
    assert [StepId(s).label() for s in ("2.3", "2.3.undo", "2.gate.1", "L3.1", "criterion.1")] == [
        "phase 2", "phase 2", "phase 2", "rollback", "success criteria"]
    assert StepId("2.3").is_forward and not StepId("2.gate.1").is_forward and StepId("2.3.undo").is_undo


# -- a run log written before the event models existed (the loans demo, broken build, rolled back) -----------
DATA = Path(__file__).resolve().parent / "data"


def _old_log() -> list[Event]:
    lines = (DATA / "old_run.jsonl").read_text(encoding="utf-8").splitlines()
    return [Event(**json.loads(line)) for line in lines]


def test_an_old_run_log_still_verifies_and_reads_the_same() -> None:
    from golive.report import render
    from golive.report.builder import build
    from golive.report.describe import log_line
    from golive.store.chain import verify_chain

    events = _old_log()
    assert verify_chain(events, events[-1].seq, events[-1].hash) is None
    assert all(not isinstance(e.data, ev.OtherEvent) for e in events), "every recorded type has its model"
    assert "".join(log_line(e) + "\n" for e in events) == (DATA / "old_run.log").read_text(encoding="utf-8")
    assert render(build(events), "md") == (DATA / "old_run.report.md").read_text(encoding="utf-8")
    st = fold(events)
    assert st.outcome == "rolled-back" and st.rollback is not None and st.rollback.status == "done"
    for e in events:  # the typed form gives back exactly the stored payload
        assert canonical_json(e.data.payload()) == e.payload_json


def test_every_event_type_golive_writes_has_a_model() -> None:
    """A type written as a string literal (`ctx.emit("x.y", ...)`, `store.append(run, "x.y", ...)`) without a model
    would read back as OtherEvent: invisible to the fold and missing from docs/events.md."""
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "golive"
    written = {(m.group(1), str(p.relative_to(src))) for p in src.rglob("*.py")
               for m in re.finditer(r'(?:emit|append|record)\(\s*(?:[\w.]+,\s*)?"([a-z_]+\.[a-z_.]+)"', p.read_text())}
    assert written, "the pattern no longer finds any write"
    assert [w for w in sorted(written) if w[0] not in ev.BY_TYPE] == []


def test_runs_says_what_the_report_says() -> None:
    """`golive runs` words a run's result from the folded state alone (no plan validated, no report built); the
    report builds it with the plan. Same rule, same word: for a rolled-back log, a clean success, and successes made
    Partial by a tolerated failure, an exceeded window, and an unmet success criterion."""
    from golive.report.builder import build
    from golive.report.runs import _result

    plan = {"name": "p", "service": "s", "environment": "e", "phases": [{"name": "one", "steps": ["true", "false"]}],
            "success_criteria": [{"description": "fast", "check": "false"}]}

    def run(*middle: tuple[str, dict[str, object]]) -> list[Event]:
        evs = [("run.created", {"plan": plan, "initiator": "ann"}), ("run.started", {}), *middle,
               ("run.finished", {"outcome": "succeeded"})]
        out, prev = [], GENESIS
        for seq, (t, p) in enumerate(evs, 1):
            e = _event(seq, t, p, prev)
            out.append(e)
            prev = e.hash
        return out

    clean = run()
    tolerated = run(("step.started", {"step": "1.2", "title": "false"}),
                    ("step.finished", {"step": "1.2", "status": "failed", "message": "exit 1"}))
    late = run(("run.note", {"kind": "window.exceeded", "message": "past the window"}))
    unmet = run(("step.started", {"step": "criterion.1"}),
                ("step.finished", {"step": "criterion.1", "status": "failed", "message": "slow"}))
    words = []
    for events in (_old_log(), clean, tolerated, late, unmet):
        word = build(events).outcome_word
        assert _result(fold(events)) == word
        words.append(word)
    assert words == ["Rolled Back", "Success", "Partial", "Partial", "Partial"]


def test_an_event_built_in_code_is_checked_before_it_is_written() -> None:
    from golive.errors import EventRefused

    ok = ev.GateApproved(phase=1, by="bob", role=None)
    assert ev.checked(ok).payload() == {"phase": 1, "by": "bob", "role": None}  # what was given, as given
    with pytest.raises(EventRefused):
        ev.checked(ev.GateApproved(phase="first", by="bob"))  # type: ignore[arg-type]
    with pytest.raises(EventRefused):
        ev.emitted("made.up", {"step": "1.1"})


def test_one_vocabulary_across_the_package_modules() -> None:
    """The catalogue is a package of modules named for what they hold, and still one vocabulary: every event type
    any of them defines is in the one registry (`KNOWN`), reachable as `golive.core.events.<Name>`, and listed by
    module in `catalogue.ORDER`, then as defined there (the doc's order, whichever module was imported first)."""
    import inspect
    import pkgutil
    from importlib import import_module

    from golive.core.events import catalogue

    defined: list[type[ev.EventBody]] = []
    for info in pkgutil.iter_modules(ev.__path__):
        module = import_module(f"golive.core.events.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, ev.EventBody) and obj.__module__ == module.__name__
                    and obj.__dict__.get("type")):
                defined.append(obj)
                assert getattr(ev, obj.__name__) is obj, f"golive.core.events.{obj.__name__} must still import"
    assert sorted(defined, key=lambda c: c.__name__) == sorted(ev.KNOWN, key=lambda c: c.__name__)
    modules = [m.__name__ for m in catalogue.ORDER]
    place = [(modules.index(c.__module__), inspect.getsourcelines(c)[1]) for c in ev.KNOWN]
    assert place == sorted(place)
    assert ev.KNOWN[0] is ev.RunCreated and ev.KNOWN[-1] is ev.AuditCheckpoint
