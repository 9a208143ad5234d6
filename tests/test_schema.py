"""`golive schema`: the JSON Schema editors use accepts every plan golive accepts and rejects malformed structure.

The schema is derived from the plan model (golive.plan.schema). It checks structure (keys, types, required
fields, step kinds, bounds, enums); what needs the whole plan or a parser (a role named elsewhere, a phase
that exists, a regex that compiles, a time zone that exists) stays with the loader, which every command
runs first. The cases below say which is which, so a change in either shows up here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from conftest import REPO
from golive.cli import main
from golive.errors import PlanError
from golive.plan.importer import import_file
from golive.plan.loader import parse_plan_text
from golive.plan.schema import SCHEMA_ID, plan_schema
from test_import_seeds import seed
from test_plan_errors import CASES

#: Malformed-plan cases the YAML loader refuses before there is any data to validate.
YAML_LEVEL = {"yaml-syntax", "duplicate-key", "tab-indentation", "deep-flow-nesting"}
#: Cases that are valid structure but wrong meaning: only the loader (cross-references, parsers) can see them.
SEMANTIC = {
    "bad-duration",                   # a string; whether it parses as a duration is units.parse_duration's call
    "bad-time-of-day",                # a string; datetime.fromisoformat decides
    "window-ends-before-start",       # compares two fields
    "window-day-unknown",             # a string; `tue` and `Tuesday` alike, any case (window.parse_day)
    "window-days-on-a-date",          # depends on the kind of `start`
    "approvals-role-unknown",         # refers to `approvers`
    "rollback-covers-unknown-phase",  # refers to phase names
    "duplicate-phase-names",          # uniqueness of a field across list items
    "invalid-regex",                  # the regex must compile
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema as the command writes it (`golive schema -o FILE`), not as a Python object."""
    out = tmp_path_factory.mktemp("schema") / "plan.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module", params=["draft-07", "2020-12"])
def validator(schema: dict[str, Any], request: pytest.FixtureRequest) -> jsonschema.Validator:
    """The declared dialect (draft-07, what editors' YAML language server speaks) and 2020-12 agree."""
    cls = jsonschema.Draft7Validator if request.param == "draft-07" else jsonschema.Draft202012Validator
    return cls(schema)


def _data(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def test_schema_is_valid_draft_07(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID and schema["title"] == "golive plan"
    assert {"name", "service", "environment", "phases"} <= set(schema["required"])


def test_schema_means_the_same_in_draft_07() -> None:
    """Draft-07 ignores keywords next to `$ref` and knows no 2019+ keywords; the schema must not rely on either."""
    newer = {"prefixItems", "unevaluatedProperties", "unevaluatedItems", "dependentRequired", "dependentSchemas",
             "$dynamicRef", "$dynamicAnchor", "$anchor", "minContains", "maxContains", "$recursiveRef"}
    annotations = {"$ref", "description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly"}
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node and set(node) - annotations:
                found.append(f"{path}: $ref with {sorted(set(node) - annotations)}")
            found.extend(f"{path}/{k}" for k in node if k in newer)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(plan_schema(), "#")
    assert found == []


def test_schema_goes_to_stdout_by_default(capsys: pytest.CaptureFixture[str], schema: dict[str, Any]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema


@pytest.mark.parametrize("plan", sorted(REPO.glob("examples/*/plan.yaml")), ids=lambda p: p.parent.name)
def test_every_example_plan_is_valid(plan: Path, validator: jsonschema.Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_data(plan.read_text()))]
    assert errors == []


def test_examples_exist() -> None:
    assert len(sorted(REPO.glob("examples/*/plan.yaml"))) >= 2


@pytest.mark.parametrize("prefix", ["000", "001", "003"])
def test_every_imported_seed_is_valid(prefix: str, validator: jsonschema.Validator) -> None:
    data = _data(import_file(seed(prefix)).yaml_text)
    assert [e.message for e in validator.iter_errors(data)] == []


def test_shorthands_are_in_the_schema(validator: jsonschema.Validator) -> None:
    """Forms the model normalises (bare-string step, `timebox: 30m`, string var, string criterion) validate."""
    plan = _data("name: x\nservice: x\nenvironment: x\nvars: {A: plain}\nphases:\n  - name: P\n    timebox: 30m\n"
                 "    steps: [echo hi, {shell: ls, timeout: 5}]\nsuccess_criteria: [it works]\n")
    assert list(validator.iter_errors(plan)) == []


@pytest.mark.parametrize(("case_id", "text"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_plans(case_id: str, text: str, validator: jsonschema.Validator) -> None:
    if case_id in YAML_LEVEL:
        with pytest.raises(PlanError) as refused:
            parse_plan_text(text, "p.yaml")
        assert all(i.message.startswith("YAML") for i in refused.value.issues)
        return
    data = _data(text)
    errors = list(validator.iter_errors(data))
    if case_id in SEMANTIC:
        assert errors == [], "the schema now catches this case: move it out of SEMANTIC"
    else:
        assert errors, f"{case_id}: accepted by the schema"


def test_every_case_is_classified() -> None:
    assert {c[0] for c in CASES} >= (YAML_LEVEL | SEMANTIC)


def test_sections_validated_lazily_are_described_as_their_own_types(schema: dict[str, Any]) -> None:
    """Routers, host groups, locks, contacts, notifications and the change record are validated only when a plan has
    them (golive.core.lazyunion.LazyType); editors still get what pydantic writes for the types themselves."""
    from golive.core.fields import Strict
    from golive.plan.evidence import Change, Contacts, Notifications
    from golive.plan.locks import Lock
    from golive.plan.schema import _fix_bounds, _PlanSchema
    from golive.targets.ssh import HostGroup
    from golive.traffic.registry import RouterConfig

    class Eager(Strict):
        contacts: Contacts | None = None
        notifications: Notifications | None = None
        change: Change | None = None
        routers: dict[str, RouterConfig] = {}
        hosts: dict[str, HostGroup] = {}
        locks: list[Lock] = []

    eager = Eager.model_json_schema(by_alias=True, schema_generator=_PlanSchema)
    _fix_bounds(eager)
    for key in Eager.model_fields:
        assert schema["properties"][key] == eager["properties"][key], key
    for name, definition in eager["$defs"].items():
        assert schema["$defs"][name] == definition, name
