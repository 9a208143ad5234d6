"""CLIs that ask on the terminal when not told (issue 14, set 8 01:51): `gh run watch` with no run id offers a list
to pick from and, with no terminal, stops ("run ID required"); a login asks for a password or opens a browser. A
block holding one is a person's step, shown whole; told what they need, they run as written."""

from __future__ import annotations

import pytest

from golive.plan.md_meaning import interactive
from importforms import doc_manual, doc_runs


@pytest.mark.parametrize("argv", [
    "gh run watch", "gh run view", "gh run rerun", "gh workflow view", "gh auth login", "aws configure",
    "gcloud init", "gcloud auth login", "az login", "docker login registry.example.com", "podman login quay.io",
    "helm registry login ghcr.io", "npm login",
])
def test_these_ask_a_person(argv: str) -> None:
    assert interactive(argv.split()) is not None


@pytest.mark.parametrize("argv", [
    "gh run watch 8123456 --exit-status", "gh run view 8123456 --log", "gh auth login --with-token",
    "aws configure set region eu-west-1", "aws configure get region", "gcloud auth login --cred-file=key.json",
    "az login --identity", "az login --service-principal -u id -p x --tenant t",
    "docker login ghcr.io --password-stdin", "gh workflow run deploy.yml --ref v4.2.0", "npm publish",
])
def test_told_what_they_need_they_run(argv: str) -> None:
    assert interactive(argv.split()) is None


def test_a_block_with_gh_run_watch_is_a_persons() -> None:
    doc = ("# Release\n\n## Phase 1: Deploy\n\n```bash\ngh workflow run deploy.yml --ref v4.2.0\ngh run watch\n```\n\n"
           "```bash\ngh run watch 8123456 --exit-status\n```\n")
    assert "gh run watch\n" in doc_manual(doc) + "\n"
    assert "gh run watch 8123456 --exit-status" in doc_runs(doc)


def test_a_login_reading_its_password_from_stdin_is_not_a_prompt() -> None:
    assert interactive(["docker", "login", "ghcr.io"], stdin=True) is None
