"""Whether a command only reads: the one classifier behind `read_only: true` on imported steps, the phases a
rollback level covers (importer/covers.py) and lint's check of a plan's own `read_only` claims (GL131).

Decided on the bash parse (tree-sitter, md_shell) and on SQL tokens (sqlparse), never on substrings. When unsure
the answer is "it writes": a read-only step gets no undo and no rollback level covers a phase of them, so calling
a writer read-only loses its way back, while calling a reader a writer only costs a level that covers one phase
more than it needs to.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Callable
from typing import Any

from golive.plan import reads_only_opts as opts
from golive.plan.md_shell import never_ends, node_source, parse, simple_commands
from golive.plan.reads_only_sql import sql_reads_only

__all__ = ["http_reads_only", "shell_reads_only", "sql_reads_only"]

#: Where output may go and still be only looked at.
_TERMINALS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
_WRITE_REDIRECTS = frozenset({">", ">>", "&>", "&>>", ">|", ">&"})
#: Programs that only read, whatever their arguments (what they print goes where the redirections say).
_READERS = frozenset({
    "ls", "cat", "head", "tail", "wc", "grep", "egrep", "fgrep", "zgrep", "rg", "echo", "printf", "pwd", "whoami",
    "id", "uptime", "free", "df", "du", "ps", "stat", "file", "which", "type", "true", "false", ":", "test", "[",
    "jq", "cut", "tr", "column", "md5sum", "sha1sum", "sha256sum", "sha512sum", "diff", "cmp", "comm",
    "nl", "tac", "rev", "od", "strings", "basename", "dirname", "realpath", "readlink", "seq", "sleep", "expr",
    "dig", "nslookup", "host", "ping", "netstat", "lsof", "vmstat", "iostat", "mpstat", "getent", "groups",
    "who", "w", "uname", "nproc", "lscpu", "lsblk", "cd", "pushd", "popd", "set", "exit", "return", "less", "more",
    "pg_isready", "printenv", "env", "tput", "hexdump", "zcat", "pgrep",
})
#: Readers that write with one of these options: `file -C` compiles a magic file (`less -o log`, which copies what
#: it shows, never ends: a writer already).
_READER_WRITES = {"file": ("-C", "--compile")}
#: Programs a heredoc, here-string or `< file` may feed and still only read (a SQL client or a shell runs it).
_STDIN_READERS = frozenset({"cat", "grep", "egrep", "fgrep", "head", "tail", "wc", "jq", "sort", "uniq", "tr", "cut",
                            "column", "base64", "md5sum", "sha256sum", "diff", "less", "more", "xxd", "od", "nl"})
#: Database dumps and what a dump passes through to its file: a dump writes only its own copy, read-only for
#: rollback purposes (as golive's `backup` kind).
_DUMPS = frozenset({"mysqldump", "mariadb-dump", "pg_dump", "pg_dumpall", "mongodump"})
_PACKERS = frozenset({"gzip", "pigz", "zstd", "xz", "bzip2", "lz4", "tee", "openssl", "gpg", "age"})
#: The subcommand (first word after the program and its leading options) that only looks.
_READ_SUBS = frozenset({"status", "list", "ls", "get", "describe", "show", "info", "version", "--version", "-V",
                        "--help", "help", "check", "health", "healthcheck", "ping", "verify", "inspect", "history",
                        "logs", "current", "diff", "preflight", "pre-flight", "--preflight", "--self-check",
                        "--check-balanced", "heads", "branches", "--describe", "--list"})
#: Build tools: their `check`/`verify`/`list` build, test or fetch (`mvn verify`, `go get`, `make check`).
_BUILDERS = frozenset({"make", "go", "cargo", "gradle", "gradlew", "mvn", "mvnw", "ant", "bazel"})
#: Per program: the subcommands that only look, and the leading options that take a value (`-n prod`).
_TOOLS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "kubectl": (frozenset({"get", "describe", "logs", "top", "version", "explain", "api-resources", "api-versions",
                           "cluster-info", "diff", "wait", "rollout status", "rollout history", "auth can-i",
                           "config view", "config get-contexts", "config current-context",
                           # which cluster the operator's own client talks to: nothing in any cluster changes
                           "config use-context", "config use"}),
                frozenset({"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server",
                           "--as", "--as-group", "--as-uid", "--cache-dir", "--certificate-authority",
                           "--client-certificate", "--client-key", "--password", "--username", "--token",
                           "--request-timeout", "--tls-server-name", "-v", "--v", "--vmodule", "--log-dir",
                           "--log-file", "--profile", "--profile-output", "--kuberc"})),
    "helm": (frozenset({"status", "list", "ls", "get", "history", "show", "version", "lint", "search", "diff", "env",
                        "verify", "dependency list"}),
             frozenset({"-n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver", "--kube-as-group",
                        "--kube-as-user", "--kube-ca-file", "--kube-token", "--kube-tls-server-name",
                        "--registry-config", "--repository-cache", "--repository-config", "--burst-limit", "--qps"})),
    "docker": (frozenset({"ps", "images", "inspect", "logs", "version", "info", "top", "port", "diff", "history",
                          "image ls", "image inspect", "container ls", "container inspect", "container logs",
                          "compose ps", "compose logs", "compose config", "compose images", "compose ls",
                          "network ls", "network inspect", "volume ls", "volume inspect", "system df", "node ls",
                          "node inspect", "service ls", "service ps", "service inspect", "service logs", "stack ls",
                          "stack ps", "stack services"}),
               frozenset({"-H", "--host", "--context", "-c", "--config", "-f", "-p", "--project-name", "--file",
                          "--env-file", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey"})),
    "git": (frozenset({"status", "log", "diff", "show", "rev-parse", "describe", "ls-files", "ls-remote", "blame",
                       "shortlog", "cat-file", "rev-list", "grep", "version", "stash list", "worktree list"}),
            frozenset({"-C", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env",
                       "--attr-source"})),  # `-c key=value` can set a pager or hook that runs: not read past
    "systemctl": (frozenset({"status", "is-active", "is-enabled", "is-failed", "is-system-running", "show", "cat",
                             "list-units", "list-unit-files", "list-timers", "list-sockets", "list-dependencies"}),
                  frozenset({"-H", "--host", "-M", "--machine", "-t", "--type", "-p", "--property", "-s", "--signal",
                             "--state", "-n", "--lines", "-o", "--output", "--root", "--image", "--kill-whom",
                             "--what", "--job-mode", "--timestamp", "--when", "--drop-in", "--preset-mode"})),
    "terraform": (frozenset({"plan", "show", "output", "validate", "version", "providers", "graph",
                             "providers schema", "state list", "state show", "state pull", "workspace show",
                             "workspace list"}), frozenset()),
    "alembic": (frozenset({"current", "history", "heads", "show", "branches", "check"}),
                frozenset({"-c", "--config", "-n", "--name", "-x"})),
    "patronictl": (frozenset({"list", "topology", "history", "show-config", "version"}),
                   frozenset({"-c", "--config-file", "-d", "--dcs-url"})),
    "flask": (frozenset({"db current", "db history", "db show", "db heads", "db branches", "db check", "routes"}),
              frozenset({"-A", "--app", "-e", "--env-file"})),
}
#: Per program: its leading options known to take no value (`--debug`, `--no-pager`); an option known neither way
#: may take the next word, and then what it runs is read both ways (reads_only_opts.readings).
_TOOL_FLAGS: dict[str, frozenset[str]] = {
    "kubectl": frozenset({"--insecure-skip-tls-verify", "--match-server-version", "--warnings-as-errors",
                          "--disable-compression", "--alsologtostderr", "--logtostderr", "--one-output",
                          "--skip-headers", "--skip-log-headers", "--add-dir-header"}),
    "helm": frozenset({"--debug", "--kube-insecure-skip-tls-verify"}),
    "docker": frozenset({"-D", "--debug", "--tls", "--tlsverify"}),
    "git": frozenset({"-p", "--paginate", "-P", "--no-pager", "--bare", "--no-replace-objects",
                      "--literal-pathspecs", "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs",
                      "--no-optional-locks", "--no-advice", "--no-lazy-fetch"}),
    "systemctl": frozenset({"--user", "--system", "--global", "--runtime", "-q", "--quiet", "--no-block",
                            "--no-pager", "--no-legend", "--no-ask-password", "--no-wall", "--no-reload",
                            "--no-warn", "-a", "--all", "-l", "--full", "-r", "--recursive", "--failed",
                            "--show-types", "--value", "--plain", "-i", "--ignore-inhibitors", "--wait"}),
    "alembic": frozenset({"--raiseerr"}),
    "flask": frozenset({"--debug", "--no-debug"}),
}
#: A subcommand that only looks alone, but has subcommands of its own that change things (`terraform providers
#: lock` writes the lock file, `providers mirror` a directory): read only alone or with one of the tool's pairs.
_TOOL_GROUPS = {"terraform": frozenset({"providers"})}
_TOOLS["oc"] = _TOOLS["kubectl"]
_TOOLS["podman"] = _TOOLS["docker"]
_TOOLS["tofu"] = _TOOLS["terraform"]
_TOOL_FLAGS["terraform"] = frozenset()
#: Flags that make one of these write although its subcommand only looks.
_TOOL_WRITES = {"git": ("--output", "-O", "--open-files-in-pager"), "terraform": ("-out", "-generate-config-out"),
                "docker": ("--follow", "--output", "-o"), "helm": ("--output-dir",),
                "kubectl": ("--output-directory", "--profile", "--profile-output", "--log-file", "--log-dir")}
for _twin, _of in (("oc", "kubectl"), ("podman", "docker"), ("tofu", "terraform")):
    _TOOL_FLAGS[_twin], _TOOL_WRITES[_twin] = _TOOL_FLAGS[_of], _TOOL_WRITES[_of]
_TOOL_GROUPS["tofu"] = _TOOL_GROUPS["terraform"]
#: SQL clients: the options that pass a statement, and those that run a file.
_SQL_CLIENTS = opts.SQL_CLIENTS
#: A mysql client command other than `\G`/`\g` (print the result): the client carries it out, not the server.
_MYSQL_CLIENT_COMMAND = re.compile(r"\\[^Gg]")
#: A psql meta-command that only looks (`\dt`, `\d+ orders`, `\l`, `\conninfo`), alone on its line.
_PSQL_META = re.compile(r"\\(?:d[a-zA-Z]*\+?|l\+?|conninfo)(?:\s+[\w.\"*]+)?\s*")


def _word(raw: str) -> str:
    """A word as bash passes it (quotes removed); unchanged when it does not split as one word."""
    try:
        parts = shlex.split(raw)
    except ValueError:
        return raw
    return parts[0] if len(parts) == 1 else raw


def shell_reads_only(text: str, depth: int = 0) -> bool:
    """True only when every command of the script reads: no redirection into a file, no writer in a pipe or a
    `$(...)`, no script fed to a client, nothing that never ends (`tail -f`)."""
    if not text.strip() or depth > 2:
        return False
    try:
        root = parse(text)
    except ValueError:
        return False
    if root.has_error:
        return False
    argvs = [[_word(w) for w in a] for a in simple_commands(root)]
    if not argvs:
        return False
    if argvs[0][0].rsplit("/", 1)[-1] in _DUMPS and all(
            a[0].rsplit("/", 1)[-1] in _DUMPS | _PACKERS or _argv_reads(a, depth) for a in argvs):
        return _no_writes(root, dump=True)  # `pg_dump shop | gzip > shop.sql.gz`: a backup written
    return _no_writes(root, dump=False) and all(_argv_reads(a, depth) for a in argvs)


def _no_writes(node: Any, dump: bool) -> bool:
    """No redirection writes a file (a dump's own file aside), and nothing feeds a script to a program that
    would run it (`psql <<SQL`, `bash < x.sh`)."""
    if node.type == "file_redirect":
        op = next((c.type for c in node.children if not c.is_named), "")
        dest = node_source(node.named_children[-1]) if node.named_children else ""
        if op in _WRITE_REDIRECTS and not (dest in _TERMINALS or (op == ">&" and dest.isdigit())) and not dump:
            return False
        if op == "<" and _fed(node) not in _STDIN_READERS:
            return False
    if node.type in ("heredoc_redirect", "herestring_redirect") and _fed(node) not in _STDIN_READERS:
        return False
    return all(_no_writes(c, dump) for c in node.children if c.type != "heredoc_body")


def _fed(redirect: Any) -> str:
    """The program a redirection feeds: the command of its redirected statement."""
    stmt = redirect.parent
    while stmt is not None and stmt.type not in ("redirected_statement", "command"):
        stmt = stmt.parent
    cmd = next((c for c in stmt.children if c.type == "command"), None) if stmt is not None else None
    argv = simple_commands(cmd, nested=False) if cmd is not None else []
    return argv[0][0].rsplit("/", 1)[-1] if argv else ""


def _positionals(args: list[str], valued: frozenset[str]) -> list[str]:
    """The words after the program's leading options (`-n prod get pods` -> `get pods`); stops at an option it
    does not know to take a value only by skipping the option itself."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in valued else 1
    return args[i:]


def _argv_reads(argv: list[str], depth: int) -> bool:
    prog, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if never_ends(argv) or any(c in prog for c in "$`("):
        return False  # `$CMD status`: which program runs is not known (`$KAFKA_BIN/kafka-topics.sh` is)
    if prog == "bundle" and args[:1] == ["exec"]:
        return len(args) > 1 and _argv_reads(args[1:], depth)
    if _dry_run(prog, args):
        return True  # `kubectl apply --dry-run=server`, `ansible-playbook site.yml --check`: looks only
    if prog in _READERS:
        return not (prog == "env" and args) and not (prog in _READER_WRITES and any(
            opts.writes_option(a, _READER_WRITES[prog]) for a in args))  # `env X=1 cmd` is unwrapped before
    special = _SPECIAL.get(prog)
    if special is not None:
        return special(args, depth)
    if prog in _TOOLS:
        subs, valued = _TOOLS[prog]
        groups = _TOOL_GROUPS.get(prog, frozenset())
        return all(bool({" ".join(pos[:2]), pos[0] if pos and (pos[0] not in groups or len(pos) == 1) else ""}
                        & subs) for pos in opts.readings(args, valued, _TOOL_FLAGS.get(prog, frozenset()))) \
            and not any(opts.writes_option(a, _TOOL_WRITES.get(prog, ())) for a in args)
    if prog == "rails" and args[:1] in (["runner"], ["r"]):
        from golive.plan.reads_only_ruby import ruby_reads_only

        code = _positionals(args[1:], frozenset({"-e", "--environment"}))
        return len(code) == 1 and ruby_reads_only(code[0])  # `rails runner 'puts Order.where(…).count'`
    if prog in ("cap", "rails", "rake"):
        # `cap production deploy:check`, `rails db:migrate:status`: every task named only looks
        tasks = [a for a in args if not a.startswith("-") and "=" not in a]
        if prog == "cap" and tasks and ":" not in tasks[0]:
            tasks = tasks[1:]  # the stage
        return bool(tasks) and all(_read_task(t) for t in tasks)
    # `supervisorctl status`, `redis-cli info`, `flyway -configFiles=x info`: options before it only as `-k=v` (a
    # value after a bare option could be taken for the subcommand)
    first = next((a for a in args if not (a.startswith("-") and "=" in a)), "")
    after = [a for a in args[args.index(first) + 1:] if not a.startswith("-")] if first in args else []
    return first in _READ_SUBS and prog not in _BUILDERS and not (after and after[0].lower() in opts.WRITE_VERBS) \
        and not any(opts.writes_option(a, opts.WRITE_OPTIONS) for a in args)  # `history undo 12`, `check --repair`


def _dry_run(prog: str, args: list[str]) -> bool:
    """The program's own `--dry-run` or `--check` (before any `--`): not one of a command it runs (`bash -c '...'
    --dry-run`, `flock /l sh -c ...`, `docker exec c sh ...`), and not a program whose own reading decides (a SQL
    client, `mysqlcheck --check --auto-repair`)."""
    own = args[:args.index("--")] if "--" in args else args
    said = any(a == "--dry-run" or (a.startswith("--dry-run=") and a.split("=", 1)[1] not in ("none", "false"))
               or a in ("--check", "--syntax-check") for a in own)
    return said and prog not in _SPECIAL and prog not in opts.RUNNERS and prog not in opts.SHELLS and not any(
        a.rsplit("/", 1)[-1] in opts.SHELLS | opts.RUNNERS for a in own) and not (prog in _TOOLS and any(
            a in opts.TOOL_RUNS for a in own)) and not any(opts.writes_option(a, _DRY_RUN_RUNS.get(prog, ())) or (
                prog == "rsync" and re.fullmatch(r"-[a-zA-Z]*e.*", a)) for a in own)


#: Options that make a `--dry-run` run a command anyway: git's `-c core.sshCommand=...` (a push connects),
#: rsync's remote shell and remote rsync path.
_DRY_RUN_RUNS = {"git": ("-c", "--config-env", "--exec-path"), "rsync": ("-e", "--rsh", "--rsync-path")}


def _read_task(task: str) -> bool:
    last = task.rsplit(":", 1)[-1]
    return task in ("routes", "about", "stats", "notes", "db:version", "-T") or (
        ":" in task and last in ("check", "status", "list", "show", "version"))


def _awk(args: list[str], depth: int) -> bool:
    prog = opts.awk_program(args)
    return prog is not None and not any(t in prog for t in (">", "|", "system", "getline", "fflush", "close"))


def _find(args: list[str], depth: int) -> bool:
    return not any(a in ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls")
                   for a in args)


def _curl(args: list[str], depth: int) -> bool:
    """GET or HEAD, nothing sent, nothing saved but to the terminal or /dev/null."""
    values = {"-X": "", "--request": "", "-o": "", "--output": "", "-D": "", "--dump-header": "", "-c": "",
              "--cookie-jar": "", "--trace": "", "--trace-ascii": "", "--stderr": ""}
    sends = ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "-F", "--form",
             "--form-string", "-T", "--upload-file", "--json", "-K", "--config", "-O", "--remote-name",
             "--remote-name-all", "--create-dirs", "-J", "--remote-header-name")
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, val = a.partition("=") if a.startswith("--") else (a, "", "")
        if a.startswith("--"):
            if name in sends:
                return False
            if name in values and (val if eq else (args[i + 1] if i + 1 < len(args) else "")) not in (
                    "GET", "HEAD", "-", *_TERMINALS):
                return False
            i += 1 if eq or name not in values else 2
            continue
        if a.startswith("-") and len(a) > 1:
            for k, flag in enumerate(a[1:], 1):
                if f"-{flag}" in sends:
                    return False
                if f"-{flag}" in values:
                    val = a[k + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if val not in ("GET", "HEAD", "-", *_TERMINALS):
                        return False
                    i += 0 if a[k + 1:] else 1
                    break
        i += 1
    return True


def _wget(args: list[str], depth: int) -> bool:
    return "--spider" in args or any(a in ("-O-", "-qO-", "--output-document=-") for a in args) or any(
        a in ("-O", "-qO") and b == "-" for a, b in itertools.pairwise(args))


def _ssh(args: list[str], depth: int) -> bool:
    from golive.plan.md_shell import _remote_words

    remote = _remote_words(args)
    if any(_SSH_LOCAL.search(a) for a in args[:len(args) - len(remote)]):
        return False  # `-o ProxyCommand=...` runs a command here; `-E file` writes its log to a file
    return bool(remote) and shell_reads_only(" ".join(remote), depth + 1)


#: ssh options that run a command on this machine (ProxyCommand, LocalCommand, KnownHostsCommand) or write a file.
_SSH_LOCAL = re.compile(r"(?i)(?:proxycommand|localcommand|knownhostscommand)|^-E")


#: Fan-out tools' options that take a value (`clush -bw @search CMD`, `pdsh -w web[1-4] CMD`).
_FANOUT_VALUED = frozenset({"-w", "-x", "-g", "-X", "-f", "-l", "-o", "-t", "-u", "-R", "-E", "--nodes", "--exclude",
                            "--group", "--fanout", "--user", "--options", "--connect_timeout", "--command_timeout",
                            "--worker", "-h", "-H", "-p", "-O", "--hosts", "--host", "--par", "--timeout"})


def _fanout(args: list[str], depth: int) -> bool:
    """`clush -bw @search 'rpm -q search-api'`: what runs on each host decides; a copy (`--copy`, `--rcopy`,
    `-c`) writes there."""
    if any(a in ("-c", "--copy", "--rcopy", "--dest") for a in args):
        return False
    command: list[str] = []
    words = iter(args)
    for a in words:
        if command or not a.startswith("-"):
            command.append(a)
        elif a in _FANOUT_VALUED or (re.fullmatch(r"-[a-zA-Z]+", a) and a[-1] in "wxgXfloturREhHpO"):
            next(words, None)  # `-bw @search`: the cluster's last letter takes the value
    return bool(command) and shell_reads_only(" ".join(command), depth + 1)


def _rpm(args: list[str], depth: int) -> bool:
    """`rpm -q search-api`, `rpm -qa`, `rpm -V pkg`: a query of the package database; never `-i`/`-U`/`-e`."""
    return bool(args) and (re.fullmatch(r"-q[a-zA-Z]*", args[0]) is not None or args[0] in ("--query", "-V",
                                                                                             "--verify")) and not any(
        opts.writes_option(a, _RPM_WRITES) or re.match(r"-[a-zA-Z]*[ED]", a) for a in args)


#: rpm's options that run something (`--eval '%(cmd)'`, `--define`, `--pipe cmd`, macro and rc files) or change the
#: database or files (`--setperms`, `--import`, `--rebuilddb`) even beside a query.
_RPM_WRITES = ("--eval", "--define", "--pipe", "--macros", "--rcfile", "--load", "--setperms", "--setugids",
               "--setcaps", "--restore", "--import", "--rebuilddb", "--initdb", "--addsign", "--resign", "--delsign",
               "--erase", "--install", "--upgrade", "--freshen", "--reinstall")


def _bash(args: list[str], depth: int) -> bool:
    return len(args) >= 2 and args[0] == "-c" and shell_reads_only(args[1], depth + 1)


def _sql_client(prog: str) -> Callable[[list[str], int], bool]:
    def reads(args: list[str], depth: int) -> bool:
        said = opts.sql_said(prog, args)  # options as the client reads them: `-Atc 'SQL'`, `-fx.sql`, `--init-command`
        if said is None:
            return False
        if not said:
            return opts.sql_client_only_lists(prog, args)
        if prog in ("mysql", "mariadb") and any(_MYSQL_CLIENT_COMMAND.search(s) for s in said):
            return False  # `\! rm -rf x` runs a shell command, `\T file` writes one, `\. file` runs its SQL
        return all((prog == "psql" and _PSQL_META.fullmatch(s.strip()) is not None) or sql_reads_only(s)
                   for s in said)
    return reads


def _pg_restore(args: list[str], depth: int) -> bool:
    return any(a in ("-l", "--list") for a in args) and not any(
        opts.writes_option(a, ("-f", "--file", "-d", "--dbname")) for a in args)  # `-fout`, `--db=shop`


def _ansible(args: list[str], depth: int) -> bool:
    return any(a in ("--list-hosts", "--list-tasks", "--list-tags", "-C", "--check", "--syntax-check") for a in args)


def _nginx(args: list[str], depth: int) -> bool:
    return "-s" not in args and any(a in ("-t", "-T", "-v", "-V") for a in args)


def _nc(args: list[str], depth: int) -> bool:
    """`nc -z host 80` only connects; never with a program to run (`-e`, `-c`), a listener, or an output file."""
    shorts = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    return "z" in shorts and not set(shorts) & set("eclo") and not any(
        opts.writes_option(a, ("--exec", "--sh-exec", "--lua-exec", "--listen", "--output", "--hex-dump",
                           "--append-output")) for a in args)


def _ss(args: list[str], depth: int) -> bool:
    return not any(a in ("-K", "--kill") or (a.startswith("-") and not a.startswith("--") and "K" in a) for a in args)


def _openssl(args: list[str], depth: int) -> bool:
    return bool(args) and args[0] in ("s_client", "x509", "verify", "version", "ciphers") and not any(
        a in ("-out", "-keyout", "-sess_out", "-keylogfile", "-msgfile", "-CAcreateserial", "-CAserial", "-writerand")
        for a in args)


def _journalctl(args: list[str], depth: int) -> bool:
    return not any(a.startswith(("--vacuum", "--rotate", "--flush", "--sync", "--relinquish", "--setup-keys",
                                 "--update-catalog")) for a in args)


def _service(args: list[str], depth: int) -> bool:
    return len(args) == 2 and args[1] == "status"


def _redis(args: list[str], depth: int) -> bool:
    if any(a in ("--rdb", "--functions-rdb", "--pipe", "--eval", "--cluster", "--replica", "--slave") for a in args):
        return False  # a dump written to a file, mass insert, a script, cluster changes, a replication stream
    return all(_redis_reads(pos) for pos in opts.readings(args, _REDIS_VALUED, _REDIS_FLAGS))


_REDIS_VALUED = frozenset({"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "-r", "-i", "-d", "-D", "-t",
                           "--sni", "--cacert", "--cacertdir", "--cert", "--key", "--tls-ciphers",
                           "--tls-ciphersuites"})
_REDIS_FLAGS = frozenset({"--raw", "--no-raw", "--csv", "--json", "--quoted-json", "--tls", "--insecure", "-c", "-e",
                          "--no-auth-warning", "--askpass", "-2", "-3", "--verbose", "--quoted-input", "--resp2",
                          "--resp3"})


def _redis_reads(pos: list[str]) -> bool:
    if len(pos) >= 2 and pos[0].lower() == "sentinel":
        return pos[1].lower() in ("get-master-addr-by-name", "masters", "master", "replicas", "slaves", "sentinels",
                                  "ckquorum", "myid", "info-cache")
    return bool(pos) and pos[0].lower() in ("get", "mget", "exists", "ttl", "pttl", "type", "scan", "info", "ping",
                                            "dbsize", "llen", "lrange", "hget", "hgetall", "hkeys", "hlen", "smembers",
                                            "scard", "zrange", "zcard", "strlen", "role", "keys")


def _aws(args: list[str], depth: int) -> bool:
    """`aws rds describe-db-instances`, `aws s3 ls`, `aws sts get-caller-identity`; never `s3api get-object`
    (it writes the object to a file)."""
    return all(_aws_reads(pos, args) for pos in opts.readings(args, _AWS_VALUED, _AWS_FLAGS))


_AWS_VALUED = frozenset({"--region", "--profile", "--output", "--query", "--endpoint-url", "--color", "--ca-bundle",
                         "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format"})
_AWS_FLAGS = frozenset({"--debug", "--no-verify-ssl", "--no-paginate", "--no-sign-request", "--no-cli-pager",
                        "--cli-auto-prompt", "--no-cli-auto-prompt"})


def _aws_reads(pos: list[str], args: list[str]) -> bool:
    if len(pos) < 2 or pos[1] in ("get-object", "get-object-torrent", "tail"):
        return False
    return pos[1].startswith(("describe-", "get-", "list-")) or pos[1] == "wait" or pos[:2] == ["s3", "ls"] or (
        "--dry-run" in args or (pos[0] == "s3" and "--dryrun" in args))  # the API refuses it (DryRunOperation)


_SPECIAL: dict[str, Callable[[list[str], int], bool]] = {
    "sed": lambda a, d: opts.sed_reads(a), "awk": _awk, "gawk": _awk, "mawk": _awk, "find": _find,
    "sort": lambda a, d: opts.sort_reads(a), "uniq": lambda a, d: opts.uniq_reads(a),
    "date": lambda a, d: opts.date_reads(a), "mysqlcheck": lambda a, d: opts.mysqlcheck_reads(a),
    "mariadb-check": lambda a, d: opts.mysqlcheck_reads(a),
    **{p: (lambda a, d: False) for p in ("mysqlrepair", "mysqlanalyze", "mysqloptimize")},
    **{p: (lambda a, d: opts.pkg_reads(a)) for p in ("dnf", "yum", "microdnf", "tdnf")},
    "curl": _curl, "wget": _wget, "ssh": _ssh, "bash": _bash, "sh": _bash, "zsh": _bash,
    "pg_restore": _pg_restore, "ansible-playbook": _ansible, "ansible": _ansible, "nginx": _nginx, "nc": _nc,
    "ncat": _nc, "ss": _ss, "openssl": _openssl, "journalctl": _journalctl, "service": _service,
    "redis-cli": _redis, "aws": _aws, "rpm": _rpm,
    "clush": _fanout, "pdsh": _fanout, "pssh": _fanout, "parallel-ssh": _fanout,
    **{p: _sql_client(p) for p in _SQL_CLIENTS},
}


def http_reads_only(method: str | None, sends_body: bool) -> bool:
    return (method or "GET").upper() in ("GET", "HEAD", "OPTIONS") and not sends_body
