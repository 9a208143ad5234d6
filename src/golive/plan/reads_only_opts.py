"""Options as the programs read them, for the read-only classifier (golive.plan.reads_only): clustered short flags
(`sed -ri` is `-r -i`, `sort -uo out` is `-u -o out`, `date -us X` is `-u -s X`), values attached or in the next
word (`-i.bak`, `-fx.sql`, `--in-place=.bak`), long options shortened to a unique prefix (getopt_long takes
`--in` for `--in-place`), `--` ending the options, options after operands. Looking at each word on its own took
these writers for readers; so did taking an option's value for a subcommand (`docker --log-level info rm x`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: One option as given: its canonical name (`-o`, `--output`) and its value (None: it takes none).
Option = tuple[str, str | None]


@dataclass(frozen=True)
class Spec:
    """What a program's options take. Short letters: `valued` take a value (attached or the next word),
    `optional` only an attached one (`sed -i[SUFFIX]`). Long names (without `--`): `long_valued` take a value
    (`--x=v` or the next word), `long_optional` only `--x=v`, `long_flags` none; all of them are what a
    shortened long option is matched against."""

    valued: str = ""
    optional: str = ""
    long_valued: frozenset[str] = frozenset()
    long_optional: frozenset[str] = frozenset()
    long_flags: frozenset[str] = frozenset()

    def long(self, name: str) -> str:
        """The long option `name` stands for: itself when known, else the one known name it begins (a unique
        prefix), else itself (an unknown or ambiguous option, which the program refuses)."""
        known = self.long_valued | self.long_optional | self.long_flags
        if name in known:
            return name
        found = [k for k in known if k.startswith(name)]
        return found[0] if len(found) == 1 else name


def parse(args: list[str], spec: Spec) -> tuple[list[Option], list[str]]:
    """The options and the operands of `args`, as getopt_long reads them (GNU order: options may follow
    operands; `--` ends them)."""
    options: list[Option] = []
    operands: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            operands += args[i:]
            break
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            name = spec.long(name)
            if eq:
                options.append((f"--{name}", value))
            elif name in spec.long_valued:
                options.append((f"--{name}", args[i] if i < len(args) else ""))
                i += 1
            else:
                options.append((f"--{name}", None))
        elif a.startswith("-") and len(a) > 1:
            for k, letter in enumerate(a[1:], 2):
                if letter in spec.valued:
                    if k < len(a):
                        options.append((f"-{letter}", a[k:]))
                    else:
                        options.append((f"-{letter}", args[i] if i < len(args) else ""))
                        i += 1
                    break
                if letter in spec.optional:
                    options.append((f"-{letter}", a[k:]))
                    break
                options.append((f"-{letter}", None))
        else:
            operands.append(a)
    return options, operands


def named(options: Iterable[Option], *names: str) -> list[str | None]:
    """The values of the options among `names` (`-o`, `--output`), in order."""
    return [v for n, v in options if n in names]


def readings(args: list[str], valued: frozenset[str], flags: frozenset[str], limit: int = 16) -> list[list[str]]:
    """Every way the words after a program's leading options may start: an option known neither to take a value
    (`-n prod`) nor to take none (`--debug`) may take the next word, or not (`--log-level info rm x`: `info` is
    its value, `rm` the subcommand). A caller that needs every reading to only read is safe whichever it is."""
    out: list[list[str]] = []

    def walk(i: int) -> None:
        while i < len(args) and args[i].startswith("-") and args[i] != "-":
            a = args[i]
            if a == "--":
                i += 1
                break
            if a in valued:
                i += 2
            elif "=" in a or a in flags or (not a.startswith("--") and a[:2] in valued):
                i += 1  # `--x=v`, a known flag, or a short option with its value attached (`-nprod`)
            else:
                if len(out) < limit:
                    walk(i + 2)
                i += 1
        out.append(args[i:])

    walk(0)
    return out


#: What a tool's subcommand runs inside a container or a pod: a `--dry-run` after it is that command's word.
TOOL_RUNS = frozenset({"exec", "run", "debug", "attach", "plugin"})
#: Programs that run a command given as their words (`flock /l sh -c '...'`): a `--dry-run` among them is not
#: theirs. (sudo, env, nice, timeout, xargs ... are unwrapped before.)
RUNNERS = frozenset({"flock", "chroot", "nsenter", "runuser", "su", "setsid", "parallel", "systemd-run", "script",
                      "strace", "ltrace", "unbuffer", "chpst", "gosu", "su-exec", "tini", "dumb-init", "ssh-agent",
                      "sg", "pkexec", "firejail", "bwrap", "faketime", "proxychains", "proxychains4", "torsocks",
                      "valgrind", "unshare", "taskset", "chrt", "prlimit", "cgexec", "sshpass", "xvfb-run",
                      "envdir", "dotenv", "retry", "watch", "at", "batch", "screen", "tmux", "make", "npx", "npm",
                      "yarn", "pnpm", "uv", "poetry", "pipenv", "tox", "nox", "direnv", "aws-vault", "doppler",
                      "op", "chamber", "sops", "python", "python3", "perl", "ruby", "node", "php", "eval", "expect"})
#: Shells and interpreters: a `--dry-run` after one of them on the line is its script's word, not the program's.
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "python", "python3", "perl", "ruby", "node", "php"})
#: Options that change things whatever subcommand they follow (`borg check --repair`, a tool's `status --fix`).
WRITE_OPTIONS = frozenset({"--repair", "--auto-repair", "--fix", "--write", "--apply", "--execute", "--delete",
                            "--prune", "--purge", "--reset", "--rollback", "--undo", "--restore", "--drop",
                            "--reset-offsets", "--delete-offsets", "--vacuum", "--commit", "--force-delete"})
#: Words that, right after a subcommand that looks, make it one that changes (`history undo 12`, `list delete`).
WRITE_VERBS = frozenset({"undo", "redo", "rollback", "replay", "revert", "delete", "remove", "rm", "reset", "clear",
                          "purge", "drop", "flush", "prune", "kill", "restart", "stop", "start", "reload", "apply",
                          "set", "unset", "repair", "fix", "install", "uninstall", "upgrade", "downgrade", "update",
                          "create", "destroy", "store", "sync", "truncate", "enable", "disable", "rotate", "import",
                          "mute", "unmute", "silence", "ack"})


def writes_option(word: str, writes: Iterable[str]) -> bool:
    """`word` is one of the options `writes` names: `--output=x`, a long one shortened to a prefix the program
    takes for it (`--outp`), a short one with its value attached (`-Ovim`)."""
    name = word.split("=", 1)[0]
    return any(name == w or (w.startswith("--") and name.startswith("--") and len(name) > 3 and w.startswith(name))
               or (len(w) == 2 and w[1] != "-" and not name.startswith("--") and name.startswith(w))
               for w in writes)


# -- programs whose options decide whether they write ----------------------------------------------------------------

_SED = Spec(valued="efl", optional="i", long_valued=frozenset({"expression", "file", "line-length"}),
            long_optional=frozenset({"in-place"}),
            long_flags=frozenset({"quiet", "silent", "debug", "follow-symlinks", "posix", "regexp-extended",
                                  "separate", "sandbox", "unbuffered", "null-data", "zero-terminated", "help",
                                  "version", "binary"}))


def sed_reads(args: list[str]) -> bool:
    """No `-i` however given (`-ri`, `-i.bak`, `--in-place=.bak`, `--in`), no script from a file it cannot
    see (`-f`), and no script command that writes a file (`w`, `W`, `s///w`) or runs one (`e`)."""
    options, operands = parse(args, _SED)
    if named(options, "-i", "--in-place", "-f", "--file"):
        return False
    scripts = [v or "" for v in named(options, "-e", "--expression")] or operands[:1]
    return not any(c in "wWe" and (i == 0 or not s[i - 1].isalnum()) and (i + 1 == len(s) or not s[i + 1].isalnum())
                   for s in scripts for i, c in enumerate(s))


_SORT = Spec(valued="kStTo", long_valued=frozenset({"key", "buffer-size", "field-separator", "temporary-directory",
                                                    "output", "batch-size", "compress-program", "files0-from",
                                                    "random-source", "sort", "parallel"}),
             long_flags=frozenset({"ignore-leading-blanks", "dictionary-order", "ignore-case", "general-numeric-sort",
                                   "ignore-nonprinting", "month-sort", "human-numeric-sort", "numeric-sort",
                                   "random-sort", "reverse", "version-sort", "check", "merge", "stable", "unique",
                                   "zero-terminated", "debug", "help", "version"}))


def sort_reads(args: list[str]) -> bool:
    """No output file (`-o`, `-uo FILE`, `-uoFILE`, `--output=`, `--out`), no compressor it would run."""
    options, _ = parse(args, _SORT)
    return not named(options, "-o", "--output", "--compress-program")


_DATE = Spec(valued="dfrs", optional="I", long_valued=frozenset({"date", "file", "reference", "set", "rfc-3339"}),
             long_optional=frozenset({"iso-8601", "resolution"}),
             long_flags=frozenset({"debug", "utc", "universal", "rfc-email", "help", "version"}))


def date_reads(args: list[str]) -> bool:
    """No `-s` however given (`-us X`, `--set=`, `--se`), and no operand but a `+FORMAT`: `date 0101120026`
    sets the clock as `-s` does."""
    options, operands = parse(args, _DATE)
    return not named(options, "-s", "--set") and all(o.startswith("+") for o in operands)


_AWK = Spec(valued="fFveEilW", optional="dDLop",
            long_valued=frozenset({"file", "field-separator", "assign", "source", "exec", "include", "load"}),
            long_optional=frozenset({"dump-variables", "debug", "lint", "pretty-print", "profile"}),
            long_flags=frozenset({"characters-as-bytes", "traditional", "copyright", "gen-pot", "help", "no-optimize",
                                  "bignum", "use-lc-numeric", "non-decimal-data", "optimize", "posix",
                                  "re-interval", "sandbox", "lint-old", "version", "csv"}))


def awk_program(args: list[str]) -> str | None:
    """The program text awk runs, or None when it may write whatever the text says: a program file it cannot
    see (`-f`, `-E`), an include or extension (`-i inplace` edits files in place), or an option that writes a
    file of its own (`-d`, `-o`, `-p`, `-W exec`). `-v n=1` and `-F ,` are values, not the program."""
    options, operands = parse(args, _AWK)
    if any(n in ("-f", "--file", "-E", "--exec", "-i", "--include", "-l", "--load", "-d", "--dump-variables", "-D",
                 "--debug", "-o", "--pretty-print", "-p", "--profile") or (n == "-W" and v not in ("version", "v"))
           for n, v in options):
        return None
    sources = [v or "" for v in named(options, "-e", "--source")]
    return "\n".join(sources) if sources else (operands[0] if operands else None)


_UNIQ = Spec(valued="fsw", long_valued=frozenset({"skip-fields", "skip-chars", "check-chars", "group",
                                                  "all-repeated"}))


def uniq_reads(args: list[str]) -> bool:
    """At most one operand: `uniq in out` writes out."""
    return len(parse(args, _UNIQ)[1]) <= 1


_MYSQLCHECK = Spec(valued="hPSuO", optional="p#", long_valued=frozenset({
    "host", "port", "socket", "user", "protocol", "character-sets-dir", "default-character-set", "defaults-file",
    "defaults-extra-file", "login-path", "plugin-dir", "default-auth", "bind-address", "ssl-ca", "ssl-cert",
    "ssl-key", "ssl-mode", "tls-version", "compression-algorithms"}), long_optional=frozenset({"password", "debug"}),
    long_flags=frozenset({"all-databases", "all-in-1", "analyze", "auto-repair", "check", "check-only-changed",
                          "check-upgrade", "databases", "extended", "fast", "force", "fix-db-names", "fix-table-names",
                          "medium-check", "optimize", "quick", "repair", "silent", "tables", "use-frm", "verbose",
                          "version", "write-binlog", "skip-write-binlog", "help"}))
#: mysqlcheck's options that change tables: repair, analyze (writes statistics), optimize (rebuilds), the name
#: fixes, and `--check-upgrade` (CHECK TABLE FOR UPGRADE marks the table upgraded).
_MYSQLCHECK_WRITES = frozenset({"-r", "--repair", "--auto-repair", "-a", "--analyze", "-o", "--optimize", "-g",
                                "--check-upgrade", "--fix-db-names", "--fix-table-names", "--use-frm"})


def mysqlcheck_reads(args: list[str]) -> bool:
    """`mysqlcheck -c shop`: checks; `-r`, `--auto-repair`, `-a`, `-o` (alone or in a cluster, `-cr`) change
    tables. (mysqlrepair, mysqlanalyze and mysqloptimize are other names of it that change tables by default.)"""
    options, _ = parse(args, _MYSQLCHECK)
    return not any(n in _MYSQLCHECK_WRITES for n, _v in options)


#: yum/dnf's options that take a value (`-c conf`, `--setopt x=y`, `--enablerepo r`).
_PKG_VALUED = frozenset({"-c", "--config", "-d", "--debuglevel", "-e", "--errorlevel", "-x", "--exclude", "-R",
                         "--randomwait", "--installroot", "--releasever", "--setopt", "--enablerepo", "--disablerepo",
                         "--repo", "--repoid", "--color", "--rpmverbosity", "--disableplugin",
                         "--enableplugin", "--forcearch", "--downloaddir", "--destdir", "--comment"})
_PKG_FLAGS = frozenset({"-y", "--assumeyes", "-q", "--quiet", "-v", "--verbose", "-C", "--cacheonly", "--refresh",
                        "--nogpgcheck", "--noplugins", "--best", "--nobest", "--allowerasing", "--skip-broken",
                        "-b", "--obsoletes", "--showduplicates", "--installed", "--available", "--upgrades",
                        "--updates", "--all", "--security", "--bugfix", "--enhancement", "--newpackage"})
#: What dnf/yum do that only looks; `history`, `updateinfo`, `group` and `module` only with one of theirs.
_PKG_READS = frozenset({"list", "info", "search", "provides", "whatprovides", "repolist", "repoinfo", "repoquery",
                        "deplist", "check-update", "check", "version", "--version", "help", "history", "updateinfo",
                        "advisory", "group", "groups", "grouplist", "groupinfo", "module"})
_PKG_SUBS = {"history": frozenset({"list", "info", "summary", "userinstalled", "stats", "package-list",
                                   "packages-list"}),
             "updateinfo": frozenset({"list", "info", "summary"}), "advisory": frozenset({"list", "info", "summary"}),
             "group": frozenset({"list", "info", "summary"}), "groups": frozenset({"list", "info", "summary"}),
             "module": frozenset({"list", "info", "provides"})}


def pkg_reads(args: list[str]) -> bool:
    """`dnf list`, `yum history info 3`: the command, and for a command with subcommands of its own, that one
    too (`dnf history undo 12` and `yum history rollback 5` change packages)."""
    for pos in readings(args, _PKG_VALUED, _PKG_FLAGS):
        words = [w for w in pos if not w.startswith("-")]
        if not words or words[0] not in _PKG_READS:
            return False
        subs = _PKG_SUBS.get(words[0])
        if subs is not None and len(words) > 1 and words[1] not in subs:
            return False
    return True


# -- SQL clients: which options pass a statement, and which run or write a file --------------------------------------

_PSQL = Spec(valued="cdfFhLoPpRTUv", long_valued=frozenset({
    "command", "dbname", "file", "field-separator", "host", "log-file", "output", "port", "pset", "record-separator",
    "table-attr", "username", "set", "variable"}), long_flags=frozenset({
        "list", "version", "echo-all", "echo-errors", "echo-queries", "echo-hidden", "no-align", "csv", "html",
        "no-readline", "single-transaction", "quiet", "single-step", "single-line", "tuples-only", "expanded",
        "no-psqlrc", "field-separator-zero", "record-separator-zero", "no-password", "password", "help"}))
_MYSQL = Spec(valued="eDhPSu", optional="p#", long_valued=frozenset({
    "execute", "init-command", "init-command-add", "tee", "database", "host", "port", "socket", "user",
    "default-character-set", "character-sets-dir", "protocol", "prompt", "delimiter", "connect-timeout",
    "max-allowed-packet", "net-buffer-length", "select-limit", "max-join-size", "plugin-dir", "default-auth",
    "server-public-key-path", "bind-address", "ssl-ca", "ssl-cert", "ssl-key", "ssl-mode", "login-path",
    "defaults-file", "defaults-extra-file", "defaults-group-suffix", "load-data-local-dir",
    "compression-algorithms"}), long_optional=frozenset({"password", "pager", "debug", "local-infile"}),
    long_flags=frozenset({"batch", "silent", "skip-column-names", "raw", "table", "vertical", "verbose", "force",
                          "quick", "unbuffered", "xml", "html", "safe-updates", "i-am-a-dummy", "show-warnings",
                          "no-beep", "no-pager", "no-tee", "skip-pager", "one-database", "comments",
                          "skip-comments", "binary-mode", "version", "help", "column-names", "line-numbers",
                          "sigint-ignore", "reconnect", "skip-reconnect", "compress", "wait",
                          "auto-vertical-output", "no-defaults", "print-defaults"}))
#: Per client: its options, the options that pass a statement (each is read as SQL), and those that run a file
#: of SQL or write one (`--tee`, `-o`), or run a program (`--pager`). `--init-command` is a statement too.
SQL_CLIENTS: dict[str, tuple[Spec, tuple[str, ...], tuple[str, ...]]] = {
    "psql": (_PSQL, ("-c", "--command"), ("-f", "--file", "-o", "--output", "-L", "--log-file")),
    "mysql": (_MYSQL, ("-e", "--execute", "--init-command", "--init-command-add"), ("--tee", "--pager")),
    "sqlcmd": (Spec(valued="QqioSUPdHltvshwacfkLmVyYz"), ("-Q", "-q"), ("-i", "-o")),
    "clickhouse-client": (Spec(valued="qhudf", long_valued=frozenset({
        "query", "queries-file", "host", "port", "user", "password", "database", "format", "config-file"})),
        ("-q", "--query"), ("--queries-file",)),
}
SQL_CLIENTS["mariadb"] = SQL_CLIENTS["mysql"]


def sql_said(prog: str, args: list[str]) -> list[str] | None:
    """The statements the client's options pass it, or None when it runs or writes a file, or runs a program."""
    spec, passes, files = SQL_CLIENTS[prog]
    options, _ = parse(args, spec)
    if any(n in files for n, _v in options):
        return None
    return [v or "" for n, v in options if n in passes]


def sql_client_only_lists(prog: str, args: list[str]) -> bool:
    """`psql -l`, `psql --version`: nothing run."""
    options, _ = parse(args, SQL_CLIENTS[prog][0])
    return prog == "psql" and any(n in ("-l", "--list", "-V", "--version") for n, _v in options)
