"""What a command is for, read from the command itself and never from the heading above it.

The importer places a block by the words around it ("Rollback", "Plan de regreso", "If it goes wrong"); each set of
runbooks it had never seen brought wordings it did not know, and a snapshot restore or a DROP COLUMN ran forward.
These functions read the command's own intent (a way back, a destructive act, a redacted value, printed output), so
the importer's guard (golive.plan.importer.guard) can check it against where the step was placed, whatever language
the heading is in. Pure text work: each returns why, or None.
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.md_shell import parse, simple_commands

#: A path or name that holds what was there before: a dump, a snapshot, a `.bak` copy, "pre-5.2", "vor-7.4".
BACKUP_PATH = re.compile(r"(?i)backup|\bbak\b|\.bak\b|\.orig\b|\.old\b|snapshot|\bsnap\b|\bdump\b|\.dump\b|"
                         r"(?:^|[/_.-])(?:pre|before|vor|avant|antes|prima|przed|fore)[-_.]|sauvegard|sicherung|"
                         r"respaldo|copia|kopia")
#: A version, tag or release named as the one before: `$PREVIOUS_TAG`, `${OLD_IMAGE}`, `:previous`, `HEAD~1`.
PREVIOUS = re.compile(r"(?i)\$\{?(?:PREV|PREVIOUS|OLD|LAST_?GOOD|PRIOR|ROLLBACK|STABLE_PREV)(?:IOUS)?_?[A-Z_]*\}?|"
                      r"(?<![\w-])(?:previous|last[-_]good|prior)(?![\w-])|HEAD~\d*|HEAD\^|ORIG_HEAD|@\{-1\}")
#: Programs that put a version in place (so a previous version named to them is a redeploy of it).
_DEPLOYERS = re.compile(r"^(?:kubectl|oc|helm|docker|podman|ln|git|cap|ansible-playbook|terraform|aws|gcloud|az|"
                        r"fly|flyctl|heroku|nomad|mv|cp|rsync|systemctl|.*deploy.*|.*release.*|.*rollout.*|"
                        r".*switch.*|.*activate.*)$")
#: Programs whose run restores data from a dump into a database.
_LOADERS = ("psql", "mysql", "mariadb", "sqlite3", "sqlcmd", "mongosh", "mongo", "clickhouse-client")
#: A target named as a throw-away copy to check a dump on: restoring there is a forward check, not a way back.
_SCRATCH = re.compile(r"(?i)verify|check|test|scratch|tmp|temp|staging|restore_?test|sandbox|copy")


def _prog(argv: list[str]) -> str:
    return argv[0].strip("\"'").rsplit("/", 1)[-1] if argv else ""


def _script_words(script: str) -> list[str]:
    """`npm run migrate:down`, `make db-rollback`: the name of the script or target a runner runs."""
    return [w for w in script.split() if not w.startswith("-")]


def _migration_back(argv: list[str], migrated: bool) -> str | None:
    """A schema migration tool run backwards. `migrated`: an earlier forward step ran that tool's upgrade."""
    words = [w.strip("\"'") for w in argv]
    low = [w.lower() for w in words]
    joined = " ".join(low)
    if "alembic" in low and "downgrade" in low:
        return "`alembic downgrade` (a schema migration run backwards)"
    if re.search(r"\bdb\s+downgrade\b", joined):
        return "`db downgrade` (a schema migration run backwards)"
    m = re.search(r"\b(?:db|ecto|migrate|migration|migrations)[:.](?:rollback|down|undo(?::all)?|revert|reset|redo)"
                  r"\b|\bmigrat(?:e|ion|ions)\s+(?:rollback|revert|undo|down)\b|\bmigrations:execute\b.*--down\b",
                  joined)
    if m:
        return f"`{m.group(0)}` (a schema migration run backwards)"
    if re.search(r"\b(?:npm|yarn|pnpm|make|just|task|bun)\b", joined) and any(
            re.search(r"(?i)(?:migrat\w*|db|schema)[:_-](?:down|rollback|revert|undo)\b", w) for w in words):
        return "a script that runs the schema migration backwards"
    if re.search(r"\bflyway\w*\s+(?:\S+\s+)*undo\b|\bflywayundo\b|\bliquibase\b.*\brollback\w*", joined):
        return "a schema migration tool's undo (`flyway undo` / `liquibase rollback`)"
    if re.search(r"\b(?:goose|dbmate|migrate)\b(?:\s+\S+)*\s+(?:down|rollback)(?:\s+\d+)?$", joined):
        return "a schema migration tool run `down`"
    if "migrate" in low and re.search(r"manage\.py|django-admin", joined):
        i = low.index("migrate")
        rest = [w for w in low[i + 1:] if not w.startswith("-")]
        if len(rest) >= 2 and (rest[1] == "zero" or (migrated and re.fullmatch(r"\d{4}\w*", rest[1]))):
            return f"`migrate {rest[0]} {rest[1]}` (Django migrations taken back to an earlier one)"
    if migrated and re.search(r"\b(?:rails|rake)\b.*\bdb:migrate\b.*\bVERSION=", " ".join(words)):
        return "`db:migrate VERSION=` after the upgrade (the schema taken back to an earlier version)"
    if ("diesel" in low or "sqlx" in low) and "revert" in low:
        return "a schema migration reverted"
    if migrated and (any(re.search(r"efbundle(?:\.exe)?$", w) for w in low[:1]) or low[:4] == ["dotnet", "ef",
                     "database", "update"]) and any(re.fullmatch(r"\d{8,}_\w+|0", w) for w in words[1:]):
        return "the EF Core migrations taken to a named earlier migration, after the upgrade"
    if "prisma" in low and "--rolled-back" in low:
        return "`prisma migrate resolve --rolled-back`"
    return None


def _release_back(argv: list[str]) -> str | None:
    """A deployment tool's own way back: a rollback, an undo, a revert, a destroy."""
    words = [w.strip("\"'") for w in argv]
    prog, low = _prog(words), [w.lower() for w in words]
    sub = " ".join(low[1:4])
    if prog == "helm" and "rollback" in low[1:3]:
        return "`helm rollback`"
    if prog in ("kubectl", "oc") and re.search(r"\brollout\s+undo\b|\brollouts?\s+(?:undo|abort)\b|^rollback\b", sub):
        return f"`{prog} rollout undo`"
    if prog in ("kubectl-argo-rollouts",) and low[1:2] in (["undo"], ["abort"]):
        return "an Argo Rollouts undo"
    if prog == "argocd" and "rollback" in low:
        return "`argocd app rollback`"
    if prog in ("docker", "podman") and "service" in low[1:3] and ("rollback" in low or "--rollback" in low):
        return "`docker service rollback`"
    if prog in ("cap", "mina") or (prog == "bundle" and "cap" in low):
        if any(w.endswith(":rollback") for w in low):
            return "`deploy:rollback`"
    if prog in ("heroku", "vercel", "serverless", "sls", "nomad", "fly", "flyctl") and any(
            w in ("rollback", "releases:rollback", "revert") for w in low[1:3]):
        return f"`{prog} {' '.join(low[1:3])}`"
    if prog in ("terraform", "tofu", "pulumi", "cdk", "terragrunt") and "destroy" in low[1:3]:
        return f"`{prog} destroy`"
    if prog == "git" and "revert" in low[1:4]:
        return "`git revert`"
    if prog == "git" and any(w in ("checkout", "reset", "switch") for w in low[1:3]) and any(
            PREVIOUS.search(w) for w in words[2:]):
        return "`git` back to the previous revision"
    if prog in ("dnf", "yum", "zypper") and "downgrade" in low[1:3]:
        return f"`{prog} downgrade`"
    if prog in ("apt", "apt-get") and "--allow-downgrades" in low:
        return f"`{prog} install --allow-downgrades` (a package put back to an older version)"
    if prog == "zfs" and "rollback" in low[1:2]:
        return "`zfs rollback` (a filesystem snapshot put back)"
    if prog == "lvconvert" and "--merge" in low:
        return "`lvconvert --merge` (a volume snapshot put back)"
    if prog == "virsh" and "snapshot-revert" in low:
        return "`virsh snapshot-revert`"
    return None


def _restore(argv: list[str], text: str, created: set[str] | None, dumps: frozenset[str] = frozenset()) -> str | None:
    """Data put back from a dump or a snapshot. `created`: databases the forward path itself creates (a restore
    into one of them, or into a scratch copy, is forward work; None: a restore anywhere counts); `text`: the whole
    statement (for `< file`)."""
    words = [w.strip("\"'") for w in argv]
    prog, low = _prog(words), [w.lower() for w in words]
    if prog == "pg_restore":
        if any(w in ("-l", "--list") for w in low) or not any(w in ("-d", "--dbname") or w.startswith(
                ("--dbname=", "-d")) for w in low):
            return None  # reads the dump, or writes a script: nothing is restored
        target = next((words[i + 1] for i, w in enumerate(low[:-1]) if w in ("-d", "--dbname")), "") or next(
            (w.split("=", 1)[1] for w in words if w.startswith("--dbname=")), "")
        if created is not None and (_SCRATCH.search(target) or target.rsplit("/", 1)[-1] in created):
            return None
        return "`pg_restore` into a database (data put back from a dump)"
    if prog in ("mongorestore", "velero") and (prog == "mongorestore" or "restore" in low[1:2]):
        return f"`{prog}` (data put back from a dump)"
    if prog in ("restic", "duplicity", "borg", "rclone") and any(w in ("restore", "extract") for w in low[1:3]):
        return f"`{prog} {low[1]}` (files put back from a backup)"
    if prog == "etcdctl" and "snapshot" in low and "restore" in low:
        return "`etcdctl snapshot restore`"
    if prog in ("aws", "gcloud", "az") and any(re.match(r"restore|.*backups?$", w) for w in low[1:4]) and any(
            "restore" in w for w in low[1:5]):
        return f"`{' '.join(words[:4])}` (a database or volume put back from a snapshot)"
    if re.match(r"(?i)restore-(?:sql|dba)?database$|restore-\w*snapshot", prog):
        return f"`{prog}` (a database put back from a backup)"
    if prog in _LOADERS:
        m = re.search(r"(?<![<0-9])<(?![<(&])\s*(\S+)", text)
        fed = m.group(1) if m else ""
        piped = re.search(r"(?:^|[|;&]\s*)(?:zcat|gunzip\s+-c|gzip\s+-dc|xzcat|zstdcat|bzcat|cat|aws\s+s3\s+cp)\s+(\S+)"
                          r"[^|]*\|\s*(?:sudo\s+(?:-u\s+\S+\s+)?)?" + re.escape(argv[0]), text)
        src = fed or (piped.group(1) if piped else "")
        if src and (src.strip("\"'") in dumps or BACKUP_PATH.search(src)) and not re.search(
                r"(?i)migrat|schema|upgrade|patch|\bup\b", src):
            return f"`{prog} < {src}` (a database loaded back from a dump)"
    if prog == "tar" and any(re.match(r"-?[a-z]*x", w) for w in low[1:2]) and any(
            BACKUP_PATH.search(w) for w in words[2:]):
        return "`tar -x` of a backup archive (files put back)"
    if prog in ("cp", "mv", "rsync", "install"):
        args = [w for w in words[1:] if not w.startswith("-")]
        if len(args) >= 2 and BACKUP_PATH.search(args[0]) and not BACKUP_PATH.search(args[-1]):
            return f"`{prog}` of a saved copy back over the live one ({args[0]} -> {args[-1]})"
    return None


#: Sub-commands of a deploying program that only fetch or look (`docker pull app:5.1.0` readies the way back).
_LOOKING = frozenset({"pull", "tag", "inspect", "diff", "log", "show", "history", "get", "describe", "images",
                      "ls", "list", "fetch", "status", "logs", "search", "verify", "version", "cat", "download",
                      "template", "lint", "plan", "validate", "rev-parse", "branch", "describe-images"})


def _deploys(words: list[str]) -> bool:
    """The command is a deploying program doing more than looking."""
    return bool(_DEPLOYERS.match(_prog(words))) and not any(w.lower() in _LOOKING for w in words[1:3])


def _redeploy_previous(argv: list[str]) -> str | None:
    words = [w.strip("\"'") for w in argv]
    prog = _prog(words)
    if not _deploys(words) or (prog in ("cp", "mv") and not any(PREVIOUS.search(w) for w in words[2:])):
        return None
    hit = next((w for w in words[1:] if PREVIOUS.search(w)), None)
    if hit is None:
        return None
    return f"`{prog}` given the previous version (`{hit}`): the release before this one put back"


#: Programs that only look, print or search: a way-back word in their arguments is what they look at.
_LOOKERS = frozenset({"echo", "printf", "logger", "cat", "less", "more", "head", "tail", "grep", "egrep", "rg", "ls",
                      "test", "[", "[[", "wc", "diff", "stat", "file", "find", "jq", "yq", "awk", "sed", "sort", "tee",
                      "md5sum", "sha256sum", "du", "read", "export", "true", "false", "sleep", "date", "which", "type",
                      "pg_dump", "pg_dumpall", "mysqldump", "mariadb-dump", "mongodump", "pg_basebackup"})
#: A name's own word for the way back: `rollback.sh`, `migrate-down.yaml`, `0042_undo.sql`, `--rollback`, `=revert`.
_BACK_TOKEN = re.compile(r"(?i)^(?:roll-?back|revert|undo|downgrade|back-?out|restore)$")
_LOOK_TOKEN = re.compile(r"(?i)^(?:verify|verification|check|test|tests|testing|dry|drill|list|plan|status|history|"
                         r"info|point|points|on|enabled?|disabled?|auto|limit|config)$")


def _named_back(argv: list[str]) -> str | None:
    """A script, file, target, flag or URL whose own name is the way back: `./rollback.sh`, `kubectl apply -f
    job-migrate-down.yaml`, `make rollback`, `deploy.sh --rollback`, `curl -X POST .../deployments/7/revert`."""
    prog = _prog(argv)
    if prog in _LOOKERS:
        return None
    for w in argv[1:] if prog in ("pg_restore", "mongorestore") else argv:  # _restore reads what those do
        if w[:1] in "\"'" or w.startswith("$"):
            continue
        if w.startswith("-"):
            if re.fullmatch(r"--?(?:rollback|revert|undo|down|downgrade|restore)", w, re.I):
                return f"`{w}` (the command's own flag for the way back)"
            continue
        tokens = [t for t in re.split(r"[/._:=,@?&-]+", w) if t]
        if any(_LOOK_TOKEN.match(t) for t in tokens):
            continue
        hit = next((t for t in tokens if _BACK_TOKEN.match(t)), None)
        if hit is None and len(tokens) > 1 and "down" in (t.lower() for t in tokens) and re.search(r"[/._:-]", w) \
                and not re.search(r"(?i)\b(?:compose|scale|cool|wind|shut|tear|count|slow|step)[-_]?down", w):
            hit = "down"
        if hit is not None:
            return f"`{w}` (named as the way back: '{hit}')"
    return None


def http_back(url: str, method: str) -> str | None:
    """A request that changes something and whose URL names the way back (`POST .../releases/41/rollback`)."""
    if method.upper() in ("GET", "HEAD", "OPTIONS"):
        return None
    path = re.sub(r"^\w+://[^/]*", "", url).split("?", 1)[0]
    tokens = [t for t in re.split(r"[/._:=,-]+", path) if t]
    if any(_LOOK_TOKEN.match(t) for t in tokens):
        return None
    hit = next((t for t in tokens if _BACK_TOKEN.match(t)), None)
    return f"`{method.upper()} {path}` (a request named as the way back)" if hit else None


def _redeploy_version(argv: list[str], previous: str | None) -> str | None:
    """A deploying command given the version the document upgrades from (`kubectl set image ...:5.1.0`)."""
    if not previous or not _deploys(argv) or _prog(argv) in ("cp", "mv", "systemctl"):
        return None
    pat = re.compile(r"(?:^|[:=@/v\s-])" + re.escape(previous.lstrip("vV")) + r"$")
    hit = next((w for w in argv[1:] if pat.search(w.strip("\"'"))), None)
    return f"`{_prog(argv)}` given {hit}, the version the document upgrades from" if hit else None


def way_back(text: str, migrated: bool = False, created: frozenset[str] = frozenset(),
             previous: str | None = None) -> str | None:
    """Why the shell script `text` reads as a way back (a rollback, a downgrade, a restore, the previous version
    put back), or None. `migrated`: a schema upgrade ran earlier in the forward path; `created`: databases it
    created; `previous`: the version the document upgrades from (deploying it again is going back)."""
    for argv, statement in _commands(text, firm=True):
        prog = _prog(argv)
        for why in (_migration_back(argv, migrated), _release_back(argv), _restore(argv, statement, set(created)),
                    _redeploy_previous(argv), _redeploy_version(argv, previous), _named_back(argv)):
            if why is not None:
                return why
        if prog == "migrate" and re.search(r"\bdown\b", statement):
            return "`migrate ... down` (a schema migration run backwards)"
    if re.search(r"(?im)^\s*RESTORE\s+DATABASE\b", text):
        return "`RESTORE DATABASE` (a database put back from a backup)"
    return None


#: The file a dump writes: `pg_dump ... -f FILE`, `--file=FILE`, `> FILE`.
_DUMP_FILE = re.compile(r"\b(?:pg_dump|pg_dumpall|mysqldump|mariadb-dump|mongodump|sqlite3\s+\S+\s+\.dump)\b[^\n|;&]*?"
                        r"(?:\s-f\s*|--file=|--out=|--archive=|>\s*)([^\s;&|]+)")


def dump_files(text: str) -> frozenset[str]:
    """The files the dumps of a document write (a later `psql db < FILE` of one restores it)."""
    return frozenset(m.group(1).strip("\"'") for m in _DUMP_FILE.finditer(text))


def restore_intent(text: str, dumps: frozenset[str] = frozenset()) -> str | None:
    """Why the script `text` puts data back from a dump or snapshot, or None (`psql shop < 042_add_col.sql` applies
    a migration file: no restore). `dumps`: files the document's own dumps write."""
    for argv, statement in _commands(text):
        why = _restore(argv, statement, None, dumps)
        if why is not None:
            return why
    return None


def _commands(text: str, depth: int = 0, firm: bool = False) -> list[tuple[list[str], str]]:
    """argv of each simple command of a script with the statement it stands in, and of the commands that ssh,
    `bash -c`, `kubectl exec --` or `docker exec` hand their quoted string to. `firm`: only the commands that run
    every time the script runs, not those after `||`, in an `if`/`case` or a function (the script's own handling of
    a failure: `kubectl rollout status … || kubectl rollout undo …` is forward work with its own way back)."""
    root = parse(text)
    out: list[tuple[list[str], str]] = []
    for node in root.children:
        if node.type == "comment":
            continue
        source = text.encode()[node.start_byte:node.end_byte].decode(errors="replace")
        for part in _firm(node) if firm else [node]:
            for argv in simple_commands(part):
                out.append((argv, source))
                if depth < 2:
                    for inner in _handed(argv):
                        out += _commands(inner, depth + 1, firm)
    return out


def _firm(node: Any) -> list[Any]:
    """The parts of a statement that run whenever it runs."""
    if node.type in ("if_statement", "case_statement", "function_definition"):
        return []
    if node.type == "command":
        return [node]
    out: list[Any] = []
    for c in node.children:
        if node.type == "list" and c.type == "||":
            break
        out += _firm(c)
    return out


def _handed(argv: list[str]) -> list[str]:
    """The scripts a command hands to another shell: `ssh host 'cmd'`, `bash -c 'cmd'`, `kubectl exec x -- cmd`."""
    prog = _prog(argv)
    if prog in ("ssh", "bash", "sh", "zsh", "su") or (prog in ("kubectl", "oc", "docker", "podman") and
                                                       "exec" in argv[1:3]):
        if "--" in argv:
            return [" ".join(argv[argv.index("--") + 1:])]
        out = []
        for w in argv[1:]:
            if len(w) >= 2 and w[0] == w[-1] and w[0] in "\"'":
                out.append(w[1:-1])
        return out
    return []


#: `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name`, `CREATE [OR REPLACE] VIEW name`, `CREATE TABLE name`.
_CREATE = re.compile(r"(?i)\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+|TEMP(?:ORARY)?\s+|MATERIALIZED\s+)?"
                     r"(TABLE|INDEX|VIEW|TYPE|SEQUENCE|FUNCTION|PROCEDURE|TRIGGER|SCHEMA|COLLECTION)\s+"
                     r"(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`\[\]]+)")
_DROP = re.compile(r"(?i)\bDROP\s+(?:MATERIALIZED\s+)?(TABLE|INDEX|VIEW|TYPE|SEQUENCE|FUNCTION|PROCEDURE|TRIGGER|"
                   r"SCHEMA)\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?([\w.\"`\[\]]+)")
_ALTER = re.compile(r"(?is)\bALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?([\w.\"`\[\]]+)(.*?)(?:;|$)")
_ADD = re.compile(r"(?i)\bADD\s+(?:(COLUMN|CONSTRAINT)\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([\w\"`\[\]]+)")
_DROP_PART = re.compile(r"(?i)\bDROP\s+(?:(COLUMN|CONSTRAINT)\s+)?(?:IF\s+EXISTS\s+)?([\w\"`\[\]]+)")
_NOT_NAMES = frozenset({"primary", "foreign", "unique", "check", "default", "not", "constraint", "column", "index",
                        "key", "partition"})


def _name(word: str) -> str:
    return re.sub(r"[\"`\[\]]", "", word).lower().rsplit(".", 1)[-1]


def made_by(text: str) -> set[str]:
    """What the SQL in `text` creates: `index:idx_x`, `table:orders`, `column:orders.tax_region` (also
    `column:*.tax_region`, for a DROP COLUMN whose table is written elsewhere, as pt-online-schema-change's
    `--alter`). Rows and releases are not counted: forward work makes and removes temporary ones (a smoke test's
    order row, the canary's Helm release uninstalled after the promote)."""
    out = {f"{m.group(1).lower()}:{_name(m.group(2))}" for m in _CREATE.finditer(text)}
    for m in _ALTER.finditer(text):
        table = _name(m.group(1))
        for a in _ADD.finditer(m.group(2)):
            what, name = (a.group(1) or "column").lower(), _name(a.group(2))
            if name not in _NOT_NAMES:
                out |= {f"{what}:{table}.{name}", f"{what}:*.{name}"}
    return out


def unmade_by(text: str, made: set[str]) -> str | None:
    """The first object `text` drops that is in `made` (what earlier forward steps created)."""
    for m in _DROP.finditer(text):
        key = f"{m.group(1).lower()}:{_name(m.group(2))}"
        if key in made:
            return f"DROP {m.group(1).upper()} {_name(m.group(2))}"
    for m in _ALTER.finditer(text):
        table = _name(m.group(1))
        for d in _DROP_PART.finditer(m.group(2)):
            what, name = (d.group(1) or "column").lower(), _name(d.group(2))
            if name not in _NOT_NAMES and ({f"{what}:{table}.{name}", f"{what}:*.{name}"} & made):
                return f"ALTER TABLE {table} DROP {what.upper()} {name}"
    for d in re.finditer(r"(?i)--alter[= ]+[\"']?DROP\s+(?:COLUMN\s+)?(\w+)", text):
        if f"column:*.{d.group(1).lower()}" in made:
            return f"DROP COLUMN {d.group(1).lower()}"
    return None


#: Commands that destroy what cannot be had back: data, a database, a namespace, a volume, a disk.
_DESTROY_SQL = re.compile(r"(?i)\bDROP\s+(?:TABLE|DATABASE|SCHEMA|COLLECTION|KEYSPACE)\b|\bTRUNCATE\b|"
                          r"\bDELETE\s+FROM\s+[\w.\"`]+\s*(?:;|$)|\bFLUSH(?:ALL|DB)\b|\.drop(?:Database)?\(\)|"
                          r"\bdb\.dropDatabase\b")


def destructive(text: str) -> str | None:
    """Why `text` destroys what cannot be had back, or None."""
    m = _DESTROY_SQL.search(text)
    if m:
        return f"`{m.group(0).strip(' ;')}`"
    for argv, _st in _commands(text):
        words = [w.strip("\"'") for w in argv]
        prog, low = _prog(words), [w.lower() for w in words]
        flags = "".join(w[1:] for w in low[1:] if re.fullmatch(r"-[a-z]+", w))
        if prog == "rm" and "r" in flags.lower():
            return f"`{' '.join(words)}`"
        if prog in ("dropdb", "mkfs", "wipefs", "shred") or prog.startswith("mkfs."):
            return f"`{prog}`"
        if prog == "dd" and any(w.startswith("of=/dev/") for w in low):
            return "`dd` onto a device"
        if prog in ("kubectl", "oc") and "delete" in low[1:3] and any(
                w in ("ns", "namespace", "namespaces", "pvc", "pv", "persistentvolumeclaim", "--all", "crd")
                or w.startswith(("namespace/", "ns/", "pvc/")) for w in low):
            return f"`{' '.join(words[:4])}`"
        if prog in ("docker", "podman") and (("volume" in low and ("rm" in low or "prune" in low))
                                             or ("system" in low and "prune" in low)):
            return f"`{' '.join(words[:3])}`"
        if prog in ("aws", "gsutil", "gcloud") and ("rb" in low or (("rm" in low) and (
                "--recursive" in low or "-r" in low))):
            return f"`{' '.join(words[:3])}`"
        if prog == "git" and (("push" in low and any(w in ("--force", "-f") for w in low)) or
                              ("clean" in low and "x" in flags)):
            return f"`{' '.join(words[:3])}`"
        why = _release_back(argv)
        if why is not None and "destroy" in why:
            return why
    return None


#: A value the writer hid, that would run literally: `xxx.xxx.xxx.xxx` and `10.0.XXX.XXX` (an address), `********`,
#: `XXXXXXXX`, `[REDACTED]`, `<redacted>`-like words in brackets. (`mktemp app.XXXXXX` is a template: after a dot.)
_MASKED_IP = re.compile(r"(?<![\w.])(?=(?:\d{1,3}\.){0,3}[xX*]{1,3}\b)(?:\d{1,3}|[xX*]{1,3})"
                        r"(?:\.(?:\d{1,3}|[xX*]{1,3})){3}(?![\w.])")
_MASKED = re.compile(r"\*{4,}|(?<![\w.$-])(?:X{6,}|x{6,})(?![\w-])|\[(?:REDACTED|redacted|Redacted|HIDDEN|hidden|"
                     r"REMOVED|removed|MASKED|masked|SECRET|secret|omitted|OMITTED)\]|(?<![\w$])(?:REDACTED|MASKED)"
                     r"(?![\w}])")


def masked(text: str) -> list[tuple[str, str]]:
    """Each value `text` hides, with the kind of var it becomes: ("xxx.xxx.xxx.xxx", "HOST_IP"), ("****",
    "REDACTED_SECRET"), in order of appearance."""
    found = [(m.start(), m.group(0), "HOST_IP") for m in _MASKED_IP.finditer(text)]
    spans = [(s, s + len(v)) for s, v, _k in found]
    for m in _MASKED.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            found.append((m.start(), m.group(0), "REDACTED_SECRET"))
    return [(v, k) for _s, v, k in sorted(found)]


def elided(text: str, sql: bool = False) -> str | None:
    """A part of the command left out (`web1,web2,...`, `kubectl apply -f …`, `IN (1, 2, ...)`): no value makes it
    whole, so a person completes it. None when nothing is left out."""
    if sql:
        bare = re.sub(r"'(?:[^']|'')*'|--[^\n]*", "''", text)
        m = re.search(r"(?<![.\w])(?:\.\.\.|…)(?![.\w])|\[(?:\.\.\.|…)\]", bare)
        return m.group(0) if m else None
    for argv, _st in _commands(text):
        for w in argv[1:]:
            if w[:1] in "\"'":
                continue
            if w in ("...", "…", "[...]", "[…]") or re.search(r",(?:\.\.\.|…)$|…", w):
                return w
    return None


#: A first line that is something a command printed, not a command: a table header in capitals (`NAME  READY
#: STATUS`), an HTTP status line, JSON, a client's answer (`Query OK`, `ERROR 1045`), a log line with a timestamp.
_PRINTED = re.compile(r"^(?:[A-Z][A-Z0-9_-]+(?: {2,}|\t)[A-Z][A-Z0-9_()%-]+(?:(?: {2,}|\t)\S+)*|"
                      r"HTTP/\d(?:\.\d)?\s+\d{3}\b.*|[{\[]\s*\"[^\"]*\"\s*[:,].*|"
                      r"Query OK,.*|ERROR \d+ \(\w+\).*|\d{4}-\d\d-\d\d[T ]\d\d:\d\d"
                      r"(?::\d\d)?\S*\s+(?:INFO|WARN|WARNING|ERROR|DEBUG)\b.*)$")


def printed_first(text: str) -> str | None:
    """The first line of the script when it reads as output, not as a command."""
    for ln in text.split("\n"):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        return s if _PRINTED.match(s) else None
    return None
