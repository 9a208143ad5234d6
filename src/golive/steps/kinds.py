"""The step kinds by their YAML key: a plain table, so what reads a recorded plan (golive.plan.recorded) can tell
a step's kind without importing pydantic or any kind's model (golive.steps.registry builds the union from it)."""

from __future__ import annotations

#: Kind key -> the class that implements it ("module:Class"), in the order messages list the kinds.
KINDS: dict[str, str] = {
    "shell": "golive.steps.shell:ShellStep",
    "manual": "golive.steps.manual:ManualStep",
    "wait": "golive.steps.wait:WaitStep",
    "http": "golive.steps.http:HttpStep",
    "check": "golive.steps.check:CheckStep",
    "backup": "golive.steps.backup:BackupStep",
    "restore": "golive.steps.restore:RestoreStep",
    "migrate": "golive.steps.migrate:MigrateStep",
    "sql": "golive.steps.sql:SqlStep",
    "switch": "golive.steps.switch:SwitchStep",
    "canary": "golive.steps.canary:CanaryStep",
    "ssh": "golive.steps.ssh:SshStep",
    "rolling": "golive.steps.rolling:RollingStep",
}
