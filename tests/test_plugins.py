"""One plug-in pattern: routers, metric sources and stores are configurations that open their implementation,
and each union a plan (or --store) is checked against is derived from one list; steps run commands through a
Target (local here; ssh is exercised against a real sshd in tests/test_ssh.py)."""

from __future__ import annotations

import typing
from pathlib import Path

from golive.analysis.config import METRIC_SOURCES, MetricSourceConfig, SourceConfig
from golive.store.factory import STORES, PostgresConfig, SQLiteConfig, open_store, store_config
from golive.targets.base import Target
from golive.targets.local import LocalTarget
from golive.traffic.registry import ROUTER_CONFIGS, AnyRouterConfig, RouterConfigBase


def test_each_union_is_its_list_and_every_member_opens_itself() -> None:
    assert typing.get_args(AnyRouterConfig) == ROUTER_CONFIGS
    assert typing.get_args(MetricSourceConfig) == METRIC_SOURCES
    for cls in ROUTER_CONFIGS:
        assert cls.open is not RouterConfigBase.open, f"{cls.__name__} does not open its router"
    for src in METRIC_SOURCES:
        assert src.open is not SourceConfig.open, f"{src.__name__} does not open its source"


def test_a_store_location_picks_its_store(tmp_path: Path) -> None:
    assert STORES[-1] is SQLiteConfig  # the embedded default takes whatever no other store claims
    pg = store_config("postgresql://deploy:hunter2@db.example:5433/runs?sslmode=require")
    assert isinstance(pg, PostgresConfig)
    assert pg.shown() == "postgresql://db.example:5433/runs"  # never the password
    lite = store_config(str(tmp_path / "runs.db"))
    assert isinstance(lite, SQLiteConfig) and lite.shown() == tmp_path / "runs.db"
    store = open_store(str(tmp_path / "runs.db"))
    try:
        assert store.list_runs(1) == []
    finally:
        store.close()


def test_the_local_target_runs_a_command_in_its_shell(tmp_path: Path) -> None:
    target: Target = LocalTarget("/bin/bash", None, tmp_path)
    [res] = target.run('echo "$GREETING from $PWD"; exit 3', {"GREETING": "hi", "PATH": "/usr/bin:/bin"}, 30)
    assert (res.host, res.status, res.exit_code) == ("local", "failed", 3)
    assert res.output == f"hi from {tmp_path}\n"
    [late] = LocalTarget(grace=0.2).run("sleep 30", {"PATH": "/usr/bin:/bin"}, 0.5)
    assert late.status == "timed-out" and late.duration < 10


def test_each_step_kind_and_check_is_registered_under_the_name_its_model_answers_to() -> None:
    """Kinds and checks are registered by name and imported when a plan names them (golive.core.lazyunion): a
    name that is not its model's own would validate a step by the wrong model."""
    from golive.checks import CHECKS, check_class
    from golive.steps.registry import KINDS, kind_classes

    assert list(kind_classes()) == list(KINDS)
    for kind, cls in kind_classes().items():
        assert cls.kind == kind, (kind, cls)
    for name in CHECKS:
        assert typing.get_args(check_class(name).model_fields["type"].annotation) == (name,), name
