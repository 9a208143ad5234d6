"""A 10,000-step run's log is 30,000 events, read again whole for its report at the end of the run: what each
parsed event keeps is multiplied by that (bench/scale.py: <= 300 MB peak for such a run). These tests hold the
three things that keep it there: the payload dict is shared between `payload` and `data`, events with the same
fields share one set of given names, and the report reads the plan as run.created recorded it, building no second
plan model beside the runner's."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from golive.core import events as ev
from golive.engine.state import fold
from golive.store.base import Event
from golive.store.chain import GENESIS, canonical_json, event_hash

DATA = Path(__file__).resolve().parent / "data"


def _event(seq: int, type: str, payload: dict[str, object]) -> Event:
    body = canonical_json(payload)
    ts = f"2026-01-01T00:00:{seq:02d}+00:00"
    return Event("r1", seq, ts, type, body, GENESIS, event_hash("r1", seq, ts, type, body, GENESIS))


def test_payload_and_typed_data_share_one_dict() -> None:
    e = _event(1, "step.started", {"attempt": 1, "kind": "shell", "step": "1.1", "title": "t"})
    assert isinstance(e.data, ev.StepStarted)
    assert e.payload is e.data.__dict__["_stored"]
    assert e.payload == json.loads(e.payload_json)  # still the payload as stored


def test_events_with_the_same_fields_share_their_set_of_given_fields() -> None:
    a = _event(1, "step.started", {"attempt": 1, "kind": "shell", "step": "1.1", "title": "a"}).data
    b = _event(2, "step.started", {"attempt": 1, "kind": "shell", "step": "1.2", "title": "b"}).data
    assert a.__dict__["_given"] is b.__dict__["_given"]
    made = ev.StepStarted(step="1.3", attempt=1, kind="shell", title="c")
    assert made.__dict__["_given"] is a.__dict__["_given"] and made.has("title")


def test_the_report_reads_the_recorded_plan_and_validates_no_second_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.plan.model import Plan
    from golive.report.builder import build

    events = [Event(**json.loads(line)) for line in (DATA / "old_run.jsonl").read_text("utf-8").splitlines()]
    recorded = fold(events).plan

    def validated_again(*args: object, **kwargs: object) -> Plan:
        raise AssertionError("the report validated the run's plan a second time")

    monkeypatch.setattr(Plan, "model_validate", validated_again)
    assert build(events, recorded).plan_name == recorded.name
    assert build(events).plan_name == recorded.name  # without the runner's copy too: the log's is read as is


def test_payloads_json_dumps_wrote_that_strict_json_refuses_still_read() -> None:
    e = _event(1, "run.note", {"kind": "metric", "value": float("nan"), "big": float("inf")})
    assert "NaN" in e.payload_json
    assert e.payload["big"] == float("inf") and e.payload["value"] != e.payload["value"]
    assert e.data is not None


def test_events_read_from_sqlite_share_what_their_rows_repeat() -> None:
    from golive.store.sqlite import _events

    rows = [("".join(["r", "1"]), i, f"t{i}", "".join(["step.", "started"]), "{}", "".join(["h", str(i - 1)]),
             "".join(["h", str(i)])) for i in range(1, 4)]
    events = _events(rows)
    assert all(e.prev_hash is p.hash for p, e in itertools.pairwise(events))
    assert events[0].type is events[2].type and events[0].run_id is events[2].run_id
    assert [e.seq for e in events] == [1, 2, 3] and events[0].prev_hash == "h0"
