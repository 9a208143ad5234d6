"""A check run on every host through a fan-out tool, and the operator pointing their own kubectl at a cluster, only
read: a failed pre-check there leaves nothing to roll back. Set 8 04: a failed `clush -bw @search 'rpm -q …'` ran
level 1 (`dnf downgrade` and a restart on all 12 hosts), and 01: a failed image check after `kubectl config
use-context` redeployed the old version, where both documents say "stop"."""

from __future__ import annotations

import pytest

from golive.plan.reads_only import shell_reads_only
from importforms import doc_steps


@pytest.mark.parametrize("command", [
    "clush -bw @search 'rpm -q search-api'",
    "clush -b -w @search 'curl -s localhost:9200/_cluster/health'",
    "pdsh -w web[1-4] 'systemctl is-active app'",
    "rpm -q search-api", "rpm -qa", "rpm -qi openssl", "rpm -V search-api",
    "kubectl config use-context prod-euw1",
    "kubectl config use-context \"$KUBE_CONTEXT\"\nkubectl -n ledger get deploy ledger-api -o jsonpath='{.x}'",
])
def test_these_only_read(command: str) -> None:
    assert shell_reads_only(command)


@pytest.mark.parametrize("command", [
    "clush -bw @search 'dnf -y install /tmp/search-api.rpm'",
    "clush -w @search --copy /srv/pkgs/search-api.rpm --dest /tmp/",
    "clush -w @search -c /srv/pkgs/search-api.rpm",
    "pdsh -w web[1-4] 'systemctl restart app'",
    "clush -bw @search 'rpm -q search-api > /tmp/v.txt'",
    "clush -bw @search",  # no command: clush opens its interactive shell
    "rpm -i x.rpm", "rpm -Uvh x.rpm", "rpm -e search-api", "rpm -q pkg > out.txt",
    "kubectl config set-credentials ci --token=abc",
    "kubectl config use-context prod && kubectl rollout restart deploy/api",
])
def test_these_can_write(command: str) -> None:
    assert not shell_reads_only(command)


def test_an_imported_fan_out_check_is_read_only() -> None:
    doc = ("# Upgrade\n\n## Phase 1: Check\n\n```bash\nclush -bw @search 'rpm -q search-api'\n```\n\n"
           "## Phase 2: Upgrade\n\n```bash\nclush -bw @search 'dnf -y install /tmp/search-api.rpm'\n```\n")
    check, upgrade = doc_steps(doc)
    assert check.get("read_only") is True
    assert "read_only" not in upgrade
