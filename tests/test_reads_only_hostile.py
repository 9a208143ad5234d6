"""Writers that look like readers once their options are read word by word: clustered short flags holding a writing
one (`sed -ri`, `sort -uo out`, `date -us X`), values attached or in the next word (`-fx.sql`, `awk -F , '{system
(...)}'`), long options shortened (`sed --in`, `git log --outp=x`), an option's value taken for the subcommand
(`docker --log-level info rm x`), a subcommand with one of its own that writes (`dnf history undo 12`), a
`--dry-run`/`--check` that belongs to a command run inside (`bash -c '...' --dry-run`), a statement passed by
another option (`mysql --init-command=...`). Each row was taken for a reader before (golive.plan.reads_only), so
a phase of it lost its rollback level; the readers below it must stay readers."""

from __future__ import annotations

import pytest

from golive.plan.importer.covers import changes
from golive.plan.lint.linter import lint_plan
from golive.plan.loader import parse_plan_text
from golive.plan.reads_only import shell_reads_only

HOSTILE_WRITERS = [
    # clustered short flags that hold the writing one
    "sed -ri 's/old/new/' /etc/app.conf",
    "sed -ni 's/a/b/p' app.conf",
    "sed -Ei.bak 's/a/b/' app.conf",
    "sort -uo names.txt names.txt",
    "sort -uonames.txt names.txt",
    "date -us '2026-12-01 03:00'",
    "rpm -qE '%(rm -rf /tmp/x)'",
    # long options shortened to a prefix the program takes
    "sed --in 's/a/b/' app.conf",
    "sort --out=names.txt names.txt",
    "git log --outp=changes.txt",
    "mysql --exec='DELETE FROM sessions' -e 'SELECT 1'",
    "psql --comm='DELETE FROM sessions' -c 'SELECT 1'",
    # values attached or in the next word
    "sed -e's/a/b/w /tmp/out' app.conf",
    "sed --expression='s/a/b/w /tmp/out' app.conf",
    "psql \"$DB\" -c 'SELECT 1' -fmigrate.sql",
    "pg_restore -l -fshop.list shop.dump",
    "awk -v n=1 '{ print $1 > \"ids.txt\" }' users.csv",
    "awk -F , '{ system(\"rm -f \" $1) }' stale.csv",
    "awk -f cleanup.awk users.csv",
    "git grep -Ovim TODO",
    # an option's value taken for the subcommand (global options before it)
    "docker --log-level info rm web",
    "docker --some-newer-option info rm web",  # an option golive does not know may take the next word
    "docker -l info rm -f web",
    "podman --log-level info rm web",
    "systemctl -o cat restart nginx",
    "systemctl --output cat stop nginx",
    # a subcommand that looks, followed by one of its own that writes
    "dnf history undo 12",
    "yum history rollback 5",
    "terraform providers lock",
    "borg check --repair /backups/repo",
    "ceph health mute OSD_DOWN 1h",
    "kubectl cluster-info dump --output-directory=/tmp/cluster",
    # a writing option beside a reading one
    "mysqlcheck --check --auto-repair shop",
    "mysqlcheck --check -r shop",
    "mysqlcheck --check --analyze shop",
    "rpm -q search-api --eval '%(rm -rf /tmp/x)'",
    "rpm -qa --pipe 'sh'",
    "openssl s_client -connect db:5432 -sess_out /tmp/session",
    "nc -z -e /bin/sh db 5432",
    "file -C -m custom.magic",
    "sort --compress-program=gzip big.txt",
    # a statement passed by another option
    "mysql --init-command='DELETE FROM sessions' -e 'SELECT 1'",
    "mysql --init-command 'DELETE FROM sessions' -e 'SELECT 1'",
    "mysql -e 'SELECT 1' --pager='rm -f x'",
    # the clock set by an operand
    "date 120103002026",
    # a --dry-run / --check that is the word of a command run inside
    "bash -c 'rm -rf /srv/old' --dry-run",
    "sudo -u app sh -c 'rm -rf /srv/old' --check",
    "flock /tmp/deploy.lock rm -rf /srv/old --dry-run",
    "docker exec web sh -c 'rm -rf /srv/old' --dry-run",
    "git -c core.sshCommand='rm -rf /tmp/x' push --dry-run",
    "rsync -e 'sh -c \"rm -rf /tmp/x\"' --dry-run a/ b/",
    # never ends (a step that waits forever, not read-only)
    "tail --follow=name /var/log/app.log",
]

STILL_READERS = [
    "sed -n 's/a/b/p' app.conf",
    "sed -E 's/a/b/' app.conf",
    "sort -t, -k2 names.csv",
    "date -u +%F",
    "date -Is",
    "awk -F, '{ print $1 }' users.csv",
    "dnf history info 12",
    "yum history",
    "dnf -q list installed",
    "terraform providers",
    "ceph health detail",
    "mysqlcheck --check shop",
    "docker --debug ps",
    "docker -l info ps",
    "systemctl --no-pager --user status app",
    "kubectl --as admin -n prod get pods",
    "kubectl -nprod get pods",
    "git --no-pager -C /srv/app log --oneline",
    "helm --debug status shop",
    "psql \"$DB\" -tAc 'SELECT count(*) FROM orders'",
    "mysql -NBe 'SELECT 1'",
    "ansible-playbook site.yml --check --diff",
    "kubectl apply --dry-run=server -f web.yaml",
    "./deploy.sh --dry-run",
    "pg_upgrade --check",
    "nc -zv db 5432",
    "rpm -qa",
    "aws --no-paginate ec2 describe-instances",
    "redis-cli --raw get maintenance",
    "rsync -av --dry-run a/ b/",
    "git push --dry-run",
]


@pytest.mark.parametrize("command", HOSTILE_WRITERS)
def test_a_writer_read_with_its_options_is_a_writer(command: str) -> None:
    assert not shell_reads_only(command)
    assert changes({"shell": command})  # a rollback level covers its phase


@pytest.mark.parametrize("command", STILL_READERS)
def test_a_reader_stays_a_reader(command: str) -> None:
    assert shell_reads_only(command)


PLAN = """
name: p
service: s
environment: production
phases:
  - name: Look
    steps:
      - shell: {step}
        read_only: true
"""


@pytest.mark.parametrize("command", ["sed -ri 's/a/b/' app.conf", "docker --log-level info rm web",
                                     "dnf history undo 12", "mysql --init-command='DELETE FROM t' -e 'SELECT 1'"])
def test_lint_flags_a_read_only_claim_on_such_a_writer(command: str) -> None:
    text = PLAN.format(step='"' + command.replace('"', '\\"') + '"')
    plan = parse_plan_text(text, "p.yaml")
    assert "GL131" in {f.rule for f in lint_plan(plan, text, "p.yaml")}
