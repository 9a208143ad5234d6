"""`golive import FILE --overrides host.yaml`: what the document cannot know about the host, applied to the
imported plan and listed in the summary; an override that would silently do nothing is an error at its line."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, golive
from golive.plan.loader import parse_plan_text

SEED = sorted((REPO / "tests" / "seeds").glob("000_*.txt"))[0]


def imported(tmp_path: Path, overrides: str) -> tuple[int, str, str, Path]:
    (tmp_path / "host.yaml").write_text(overrides)
    out = tmp_path / "plan.yaml"
    r = golive("import", str(SEED), "--overrides", "host.yaml", "-o", str(out), cwd=tmp_path)
    return r.code, r.out, r.err, out


def test_plan_keys_replace_merge_and_remove(tmp_path: Path) -> None:
    code, out, err, path = imported(tmp_path, "service: banking-app\nenvironment: demo\nwindow: null\n"
                                              "approvers: {QA Lead: [quinn]}\n"
                                              "replace:\n  sudo systemctl: svcctl\n"
                                              "  https://app.example.com: http://127.0.0.1:8080\n")
    assert code == 0, out + err
    text = path.read_text()
    plan = parse_plan_text(text)
    assert (plan.service, plan.environment, plan.window) == ("banking-app", "demo", None)
    # merged key by key: the document's Development Lead stays, the QA Lead is filled in
    assert plan.approvers["QA Lead"] == ["quinn"] and plan.approvers["Development Lead"] == ["kavyashri-as"]
    assert "TODO: derived from the title" not in text  # the service's TODO is answered
    assert "sudo" not in text and "app.example.com" not in text
    steps = [s for p in plan.phases for s in p.steps] + [s for lv in plan.rollback.levels for s in lv.steps]
    commands = [s.shell.command for s in steps if s.kind == "shell"]  # type: ignore[attr-defined]
    assert "svcctl restart banking-app" in commands and "svcctl stop banking-app" in commands
    for line in ("override (host.yaml:1): service = banking-app", "override (host.yaml:3): window removed",
                 "override (host.yaml:6): 'sudo systemctl' -> 'svcctl' (6 places)",
                 "override (host.yaml:7): 'https://app.example.com' -> 'http://127.0.0.1:8080' (2 places)"):
        assert line in out, out


def test_a_replace_that_matches_nothing_is_an_error_at_its_line(tmp_path: Path) -> None:
    code, out, err, path = imported(tmp_path, "service: banking-app\nreplace:\n  sudo systemctl: svcctl\n"
                                              "  sudo service: svc\n")
    assert code == 2, out + err
    assert "host.yaml:4:3:" in err and "'sudo service' occurs in no step" in err
    assert not path.exists()


def test_an_unknown_key_is_an_error_at_its_line(tmp_path: Path) -> None:
    code, out, err, _ = imported(tmp_path, "service: banking-app\nservcie: typo\n")
    assert code == 2, out + err
    assert "host.yaml:2:1:" in err and "'servcie' is not a plan key" in err
    assert "Traceback" not in err
